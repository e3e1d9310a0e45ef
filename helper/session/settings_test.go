package session

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"math/big"
	"testing"
	"time"

	"software.sslmate.com/src/go-pkcs12"

	"github.com/espressovpn/espresso/helper/api"
	"github.com/espressovpn/espresso/ipsec/ike/creds"
)

// selfSigned makes a throwaway certificate and key for client@example.test.
func selfSigned(t *testing.T) (*x509.Certificate, *ecdsa.PrivateKey) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(7), Subject: pkix.Name{CommonName: "client@example.test"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		EmailAddresses: []string{"client@example.test"}, KeyUsage: x509.KeyUsageDigitalSignature,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return cert, key
}

// TestPKCS12Profile: a certificate profile given as PKCS#12 loads with its
// password, and a wrong password is a permanent failure that says so.
func TestPKCS12Profile(t *testing.T) {
	cert, key := selfSigned(t)
	pfx, err := pkcs12.Modern.Encode(key, cert, nil, "right")
	if err != nil {
		t.Fatal(err)
	}
	p := pskProfile()
	p.Auth, p.PSK = api.AuthCert, ""
	p.P12, p.P12Password = base64.StdEncoding.EncodeToString(pfx), "right"
	p.CA = string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: cert.Raw}))
	st, err := readProfile(p)
	if err != nil {
		t.Fatal(err)
	}
	if len(st.params.Cert) != 1 || !st.params.Cert[0].Equal(cert) || st.params.Key == nil || len(st.params.CAs) != 1 {
		t.Errorf("loaded %d certificates, key %v, %d CAs", len(st.params.Cert), st.params.Key != nil, len(st.params.CAs))
	}

	p.P12Password = "wrong"
	_, err = readProfile(p)
	var perm interface{ Permanent() bool }
	if !errors.Is(err, creds.ErrWrongPassword) || !errors.As(err, &perm) || !perm.Permanent() {
		t.Errorf("wrong password: %v, want a permanent creds.ErrWrongPassword", err)
	}
}
