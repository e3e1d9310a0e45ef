package session

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"math/big"
	"os"
	"path/filepath"
	"testing"
	"time"

	"software.sslmate.com/src/go-pkcs12"

	"github.com/espressovpn/espresso/helper/api"
	"github.com/espressovpn/espresso/helper/profile"
	"github.com/espressovpn/espresso/internal/pkitest"
	"github.com/espressovpn/espresso/ipsec/ike/creds"
)

// clientCert issues a self-signed client certificate valid from
// notBefore to notAfter, with usage, and returns it with its key.
func clientCert(t *testing.T, notBefore, notAfter time.Time, usage x509.KeyUsage) (*x509.Certificate, *ecdsa.PrivateKey) {
	t.Helper()
	key := pkitest.ECKey(t)
	c := pkitest.Issue(t, &x509.Certificate{
		SerialNumber: big.NewInt(7),
		Subject:      pkix.Name{CommonName: "alice@example.com"},
		NotBefore:    notBefore,
		NotAfter:     notAfter,
		KeyUsage:     usage,
	}, key, nil)
	return c.Cert, key
}

func pemProfile(t *testing.T, c *x509.Certificate, key crypto.Signer) api.Profile {
	t.Helper()
	return api.Profile{
		Name: "cert", Gateway: "192.0.2.1", Auth: api.AuthCert, CAFile: "/etc/espresso/ca.pem",
		Cert: pkitest.CertPEM(c),
		Key:  pkitest.KeyPEM(t, key),
	}
}

// Each problem with this computer's own certificate or key gets its own
// code, told apart from the same problem with the gateway's certificate.
func TestCheckCredentials(t *testing.T) {
	now := time.Date(2026, 3, 4, 10, 0, 0, 0, time.UTC)
	year := 365 * 24 * time.Hour
	sign := x509.KeyUsageDigitalSignature
	good, goodKey := clientCert(t, now.Add(-year), now.Add(year), sign)
	expired, expiredKey := clientCert(t, now.Add(-2*year), now.Add(-year), sign)
	future, futureKey := clientCert(t, now.Add(year), now.Add(2*year), sign)
	encipher, encipherKey := clientCert(t, now.Add(-year), now.Add(year), x509.KeyUsageKeyEncipherment)

	p12, err := pkcs12.Modern.Encode(goodKey, good, nil, "right")
	if err != nil {
		t.Fatal(err)
	}
	p12Profile := func(password string) api.Profile {
		return api.Profile{Name: "p12", Gateway: "192.0.2.1", Auth: api.AuthEAPTLS, CAFile: "/etc/espresso/ca.pem",
			P12: base64.StdEncoding.EncodeToString(p12), P12Password: password}
	}
	// Parse refuses a garbled inline certificate; one in a file is only
	// read at connect time.
	garbled := pemProfile(t, good, goodKey)
	garbledFile := filepath.Join(t.TempDir(), "garbled.pem")
	if err := os.WriteFile(garbledFile, []byte("-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydGlmaWNhdGU=\n-----END CERTIFICATE-----\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	garbled.Cert, garbled.CertFile = "", garbledFile

	tests := []struct {
		name string
		p    api.Profile
		want api.FailureCode
	}{
		{"valid PEM", pemProfile(t, good, goodKey), ""},
		{"valid PKCS#12", p12Profile("right"), ""},
		{"expired", pemProfile(t, expired, expiredKey), api.FailureLocalCertExpired},
		{"not yet valid", pemProfile(t, future, futureKey), api.FailureLocalCertNotYetValid},
		{"key usage", pemProfile(t, encipher, encipherKey), api.FailureLocalCertKeyUsage},
		{"key of another certificate", pemProfile(t, good, expiredKey), api.FailureKeyMismatch},
		{"wrong PKCS#12 password", p12Profile("wrong"), api.FailureP12Password},
		{"not a certificate", garbled, api.FailureCredentials},
		{"PSK needs none", api.Profile{Name: "psk", Gateway: "192.0.2.1", Auth: api.AuthPSK, PSK: "k"}, ""},
	}
	for _, tc := range tests {
		tp, err := profile.Parse(&tc.p)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		c, err := loadCredential(tp, now)
		if (c != nil) != (err == nil && tp.Auth.UsesCert()) {
			t.Errorf("%s: credential %v with error %v", tc.name, c != nil, err)
		}
		if got, _ := Code(err); got != tc.want {
			t.Errorf("%s: code %q (%v), want %q", tc.name, got, err, tc.want)
		}
		if _, permanent := Code(err); err != nil && !permanent {
			t.Errorf("%s: not permanent", tc.name)
		}
	}
}

// creds' sentinels are classified without a CredentialError around
// them too.
func TestClassifyCredentialSentinels(t *testing.T) {
	for err, want := range map[error]api.FailureCode{
		wrapped{creds.ErrWrongPassword}: api.FailureP12Password,
		wrapped{creds.ErrKeyMismatch}:   api.FailureKeyMismatch,
		wrapped{creds.ErrEncryptedKey}:  api.FailureCredentials,
		wrapped{creds.ErrMalformed}:     api.FailureCredentials,
	} {
		if got, _ := Code(err); got != want {
			t.Errorf("Code(%v) = %q, want %q", err, got, want)
		}
	}
}

// A profile whose certificate has expired fails before anything is
// opened or sent, with the code and words that say it is this computer's
// certificate.
func TestExpiredOwnCertificateFailsBeforeDialling(t *testing.T) {
	c, key := clientCert(t, time.Now().Add(-2*time.Hour), time.Now().Add(-time.Hour), x509.KeyUsageDigitalSignature)
	p := pemProfile(t, c, key)
	p.CA, p.CAFile = pkitest.CertPEM(c), ""
	n := newTestNet()
	d := NewConnector(n, Options{Negotiator: newFakeNegotiator(nil), Workers: 1})
	_, err := d.Dial(t.Context(), attempt(t, p))
	code, permanent := Code(err)
	if code != api.FailureLocalCertExpired || !permanent {
		t.Fatalf("Dial = %v (code %q, permanent %v)", err, code, permanent)
	}
	if len(n.udp) != 0 || len(n.tunnels) != 0 {
		t.Error("opened sockets or a tunnel with an expired certificate")
	}
}
