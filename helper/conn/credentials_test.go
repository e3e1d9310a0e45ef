package conn

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"errors"
	"math/big"
	"net/netip"
	"os"
	"path/filepath"
	"testing"
	"testing/synctest"
	"time"

	"software.sslmate.com/src/go-pkcs12"

	"github.com/espressovpn/espresso/helper/api"
	prof "github.com/espressovpn/espresso/helper/profile"
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
		Name: "cert", Gateway: "192.0.2.1", Auth: api.AuthCert, CA: "/etc/espresso/ca.pem",
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
		return api.Profile{Name: "p12", Gateway: "192.0.2.1", Auth: api.AuthEAPTLS, CA: "/etc/espresso/ca.pem",
			P12: base64.StdEncoding.EncodeToString(p12), P12Password: password}
	}
	// Parse refuses a garbled inline certificate; one in a file is only
	// read at connect time.
	garbled := pemProfile(t, good, goodKey)
	garbledFile := filepath.Join(t.TempDir(), "garbled.pem")
	if err := os.WriteFile(garbledFile, []byte("-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydGlmaWNhdGU=\n-----END CERTIFICATE-----\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	garbled.Cert = garbledFile

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
		tp, err := prof.Parse(&tc.p)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		c, err := loadCredential(tp, now)
		if (c != nil) != (err == nil && tp.Auth.UsesCert()) {
			t.Errorf("%s: credential %v with error %v", tc.name, c != nil, err)
		}
		if got := Classify(err); got != tc.want {
			t.Errorf("%s: code %q (%v), want %q", tc.name, got, err, tc.want)
		}
		var p interface{ Permanent() bool }
		if err != nil && (!errors.As(err, &p) || !p.Permanent()) {
			t.Errorf("%s: not permanent", tc.name)
		}
	}
}

// The session's own loading errors (creds' sentinels) are classified
// too, for a Dialer that reports them.
func TestClassifyCredentialSentinels(t *testing.T) {
	for err, want := range map[error]api.FailureCode{
		wrapped{creds.ErrWrongPassword}: api.FailureP12Password,
		wrapped{creds.ErrKeyMismatch}:   api.FailureKeyMismatch,
		wrapped{creds.ErrEncryptedKey}:  api.FailureCredentials,
		wrapped{creds.ErrMalformed}:     api.FailureCredentials,
	} {
		if got := Classify(err); got != want {
			t.Errorf("Classify(%v) = %q, want %q", err, got, want)
		}
	}
}

// A profile whose certificate has expired fails before any dial, with
// the code and words that say it is this computer's certificate.
func TestExpiredOwnCertificateFailsBeforeDialling(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c, key := clientCert(t, time.Now().Add(-2*time.Hour), time.Now().Add(-time.Hour), x509.KeyUsageDigitalSignature)
		d := &hookDialer{hook: script(dialResult{s: newFakeSession()})}
		m := newTestManager(t, d, promptPolicy, "cert")
		if err := m.Connect(pemProfile(t, c, key)); err != nil {
			t.Fatal(err)
		}
		_, err := m.Wait(context.Background(), "cert")
		var fe *FailedError
		if !errors.As(err, &fe) || fe.Code != api.FailureLocalCertExpired {
			t.Fatalf("Wait = %v", err)
		}
		if len(d.dialled()) != 0 {
			t.Error("dialled with an expired certificate")
		}
	})
}

// TestAttemptCarriesCredential: the certificate and key an attempt loaded
// for its check go to the Dialer, which need not load them again; a PSK
// profile's attempt carries none.
func TestAttemptCarriesCredential(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c, key := clientCert(t, time.Now().Add(-time.Hour), time.Now().Add(time.Hour), x509.KeyUsageDigitalSignature)
		var got []Attempt
		d := &hookDialer{hook: func(_ context.Context, a Attempt) (Session, error) {
			got = append(got, a)
			return newFakeSession(), nil
		}}
		m := newTestManager(t, d, promptPolicy, "cert")
		m.SetProfile("psk", "192.0.2.1")
		if err := m.Connect(pemProfile(t, c, key)); err != nil {
			t.Fatal(err)
		}
		if _, err := m.Wait(context.Background(), "cert"); err != nil {
			t.Fatal(err)
		}
		if err := m.Connect(profile("psk")); err != nil {
			t.Fatal(err)
		}
		if _, err := m.Wait(context.Background(), "psk"); err != nil {
			t.Fatal(err)
		}
		if len(got) != 2 || got[0].Credential == nil || !got[0].Credential.Leaf().Equal(c) || got[1].Credential != nil {
			t.Fatalf("attempts %+v", got)
		}
		// The profile's own address needs no look-up.
		if want := netip.MustParseAddr("192.0.2.1"); got[0].Gateway != want || got[0].Profile.Gateway.Addr != want {
			t.Errorf("gateway %v", got[0].Gateway)
		}
	})
}
