package creds

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/espressovpn/espresso/internal/pkitest"
	"github.com/espressovpn/espresso/ipsec/ike/auth"
	gopkcs12 "software.sslmate.com/src/go-pkcs12"
)

var testNow = time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)

// issued is a certificate with its key.
type issued = pkitest.Issued

// issue makes a certificate from tmpl, valid around testNow unless tmpl
// says otherwise.
func issue(t testing.TB, tmpl *x509.Certificate, key crypto.Signer, parent *issued) issued {
	t.Helper()
	if tmpl.NotBefore.IsZero() {
		tmpl.NotBefore, tmpl.NotAfter = testNow.Add(-time.Hour), testNow.Add(time.Hour)
	}
	return pkitest.Issue(t, tmpl, key, parent)
}

func ecKey(t testing.TB) *ecdsa.PrivateKey { return pkitest.ECKey(t) }

func newCA(t testing.TB, name string) issued {
	return issue(t, &x509.Certificate{Subject: pkix.Name{CommonName: name}, IsCA: true, BasicConstraintsValid: true,
		KeyUsage: x509.KeyUsageCertSign}, ecKey(t), nil)
}

func newLeaf(t testing.TB, ca issued, key crypto.Signer, edit func(*x509.Certificate)) issued {
	tmpl := &x509.Certificate{Subject: pkix.Name{CommonName: "client@example.test"},
		EmailAddresses: []string{"client@example.test"}, KeyUsage: x509.KeyUsageDigitalSignature}
	if edit != nil {
		edit(tmpl)
	}
	return issue(t, tmpl, key, &ca)
}

func pemOf(typ string, der []byte) string {
	return string(pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}))
}

func certPEM(cs ...*x509.Certificate) string { return pkitest.CertPEM(cs...) }

// writeFile writes content into a file for openssl.
func writeFile(t *testing.T, name, content string) string {
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestLoadPEMKeyFormats(t *testing.T) {
	ca := newCA(t, "CA")
	rsaKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	ec := ecKey(t)
	_, edKey, _ := ed25519.GenerateKey(rand.Reader)
	sec1, _ := x509.MarshalECPrivateKey(ec)
	p8ec, _ := x509.MarshalPKCS8PrivateKey(ec)
	p8ed, _ := x509.MarshalPKCS8PrivateKey(edKey)
	for name, tc := range map[string]struct {
		key crypto.Signer
		pem string
	}{
		"PKCS#1":         {rsaKey, pemOf("RSA PRIVATE KEY", x509.MarshalPKCS1PrivateKey(rsaKey))},
		"SEC1":           {ec, "-----BEGIN EC PARAMETERS-----\nBggqhkjOPQMBBw==\n-----END EC PARAMETERS-----\n" + pemOf("EC PRIVATE KEY", sec1)},
		"PKCS#8 ECDSA":   {ec, pemOf("PRIVATE KEY", p8ec)},
		"PKCS#8 Ed25519": {edKey, pemOf("PRIVATE KEY", p8ed)},
	} {
		leaf := newLeaf(t, ca, tc.key, nil)
		// The key apart, and the key and certificates in one PEM.
		for how, load := range map[string]func() (*Credential, error){
			"apart": func() (*Credential, error) { return FromPEM([]byte(certPEM(leaf.Cert, ca.Cert)), []byte(tc.pem)) },
			"together": func() (*Credential, error) {
				return FromPEM([]byte(tc.pem+certPEM(ca.Cert, leaf.Cert)), nil)
			},
		} {
			c, err := load()
			if err != nil {
				t.Fatalf("%s, %s: %v", name, how, err)
			}
			if !c.Leaf().Equal(leaf.Cert) || len(c.Chain) != 2 || !c.Chain[1].Equal(ca.Cert) {
				t.Errorf("%s, %s: chain not leaf first", name, how)
			}
			if err := c.Check(Pool([]*x509.Certificate{ca.Cert}), testNow); err != nil {
				t.Errorf("%s, %s: Check: %v", name, how, err)
			}
			if tc := c.TLSCertificate(); len(tc.Certificate) != 2 || tc.PrivateKey == nil {
				t.Errorf("%s, %s: TLS certificate", name, how)
			}
		}
	}
}

func TestLoadPEMErrors(t *testing.T) {
	ca := newCA(t, "CA")
	leaf := newLeaf(t, ca, ecKey(t), nil)
	other, _ := x509.MarshalPKCS8PrivateKey(ecKey(t))
	for name, tc := range map[string]struct {
		cert, key string
		want      error
	}{
		"key mismatch": {certPEM(leaf.Cert), pemOf("PRIVATE KEY", other), ErrKeyMismatch},
		"no key":       {certPEM(leaf.Cert), "", ErrNoKey},
		"no cert":      {pemOf("PRIVATE KEY", other), "", ErrNoCertificate},
		"encrypted":    {certPEM(leaf.Cert), pemOf("ENCRYPTED PRIVATE KEY", []byte{1}), ErrEncryptedKey},
		"legacy enc":   {certPEM(leaf.Cert), "-----BEGIN EC PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\nDEK-Info: AES-128-CBC,00000000000000000000000000000000\n\nAAAA\n-----END EC PRIVATE KEY-----\n", ErrEncryptedKey},
		"bad cert":     {pemOf("CERTIFICATE", []byte{1, 2}), "", ErrMalformed},
		"bad key":      {certPEM(leaf.Cert), pemOf("EC PRIVATE KEY", []byte{1, 2}), ErrMalformed},
		"not PEM":      {"-----BEGIN nothing", "", ErrMalformed},
	} {
		if _, err := FromPEM([]byte(tc.cert), []byte(tc.key)); !errors.Is(err, tc.want) {
			t.Errorf("%s: %v, want %v", name, err, tc.want)
		}
	}
}

func TestCheck(t *testing.T) {
	ca := newCA(t, "CA")
	other := newCA(t, "Other CA")
	key := ecKey(t)
	for name, tc := range map[string]struct {
		edit  func(*x509.Certificate)
		roots *x509.CertPool
		want  error
	}{
		"expired": {func(c *x509.Certificate) {
			c.NotBefore, c.NotAfter = testNow.Add(-48*time.Hour), testNow.Add(-time.Hour)
		}, nil, auth.ErrCertExpired},
		"not yet valid":      {func(c *x509.Certificate) { c.NotBefore, c.NotAfter = testNow.Add(time.Hour), testNow.Add(48*time.Hour) }, nil, auth.ErrCertNotYetValid},
		"key usage":          {func(c *x509.Certificate) { c.KeyUsage = x509.KeyUsageKeyEncipherment }, nil, auth.ErrCertKeyUsage},
		"extended key usage": {func(c *x509.Certificate) { c.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageCodeSigning} }, nil, auth.ErrCertKeyUsage},
		"untrusted":          {nil, Pool([]*x509.Certificate{other.Cert}), auth.ErrCertUntrusted},
		"expired with roots": {func(c *x509.Certificate) {
			c.NotBefore, c.NotAfter = testNow.Add(-48*time.Hour), testNow.Add(-time.Hour)
		}, Pool([]*x509.Certificate{ca.Cert}), auth.ErrCertExpired},
	} {
		leaf := newLeaf(t, ca, key, tc.edit)
		c, err := newCredential([]*x509.Certificate{leaf.Cert}, key)
		if err != nil {
			t.Fatal(err)
		}
		if err := c.Check(tc.roots, testNow); !errors.Is(err, tc.want) {
			t.Errorf("%s: %v, want %v", name, err, tc.want)
		}
	}
}

func TestParseCAs(t *testing.T) {
	a, b := newCA(t, "A"), newCA(t, "B")
	cas, err := ParseCAs([]byte(certPEM(a.Cert, b.Cert)))
	if err != nil || len(cas) != 2 || !cas[1].Equal(b.Cert) {
		t.Errorf("%d CAs, %v", len(cas), err)
	}
	// A path is data like any other, and not a certificate.
	if _, err := ParseCAs([]byte(writeFile(t, "ca.pem", certPEM(a.Cert)))); !errors.Is(err, ErrMalformed) {
		t.Errorf("a path: %v", err)
	}
	if _, err := ParseCAs([]byte(pemOf("PRIVATE KEY", []byte{1}))); !errors.Is(err, ErrNoCertificate) {
		t.Errorf("CA data without certificates: %v", err)
	}
}

func TestPKCS12(t *testing.T) {
	ca := newCA(t, "CA")
	key := ecKey(t)
	leaf := newLeaf(t, ca, key, nil)
	for name, enc := range map[string]*gopkcs12.Encoder{
		"modern (AES-256, PBKDF2)": gopkcs12.Modern2023,
		"legacy (3DES)":            gopkcs12.LegacyDES,
		"legacy (RC2)":             gopkcs12.LegacyRC2,
	} {
		pfx, err := enc.Encode(key, leaf.Cert, []*x509.Certificate{ca.Cert}, "s3cret")
		if err != nil {
			t.Fatal(err)
		}
		c, err := ParsePKCS12(pfx, "s3cret")
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if !c.Leaf().Equal(leaf.Cert) || len(c.Chain) != 2 || c.Check(Pool(c.Chain[1:]), testNow) != nil {
			t.Errorf("%s: wrong credential", name)
		}
		if _, err := ParsePKCS12(pfx, "wrong"); !errors.Is(err, ErrWrongPassword) {
			t.Errorf("%s: wrong password: %v", name, err)
		}
	}
	// A certificate whose key is not in the file.
	pfx, _ := gopkcs12.Modern2023.Encode(ecKey(t), leaf.Cert, nil, "x")
	if _, err := ParsePKCS12(pfx, "x"); !errors.Is(err, ErrKeyMismatch) {
		t.Errorf("foreign key: %v", err)
	}
	if _, err := ParsePKCS12([]byte{0x30, 1, 2}, "x"); !errors.Is(err, ErrMalformed) {
		t.Errorf("garbage: %v", err)
	}
	// Neither a path nor base64 is opened or decoded.
	if _, err := ParsePKCS12([]byte(writeFile(t, "c.p12", string(pfx))), "x"); !errors.Is(err, ErrMalformed) {
		t.Errorf("a path: %v", err)
	}
	if _, err := ParsePKCS12([]byte(base64.StdEncoding.EncodeToString(pfx)), "x"); !errors.Is(err, ErrMalformed) {
		t.Errorf("base64: %v", err)
	}
}

// TestOpenSSL3PKCS12 opens a file made by OpenSSL 3's defaults
// (AES-256-CBC, PBKDF2 with HMAC-SHA256, SHA-256 MAC), as users export
// them today.
func TestOpenSSL3PKCS12(t *testing.T) {
	openssl, err := exec.LookPath("openssl")
	if err != nil {
		t.Skip("openssl not installed: cannot make an OpenSSL 3 PKCS#12 file")
	}
	if out, _ := exec.Command(openssl, "version").Output(); !strings.HasPrefix(string(out), "OpenSSL 3") {
		t.Skipf("need OpenSSL 3 for its default PKCS#12 ciphers, have %s", out)
	}
	ca := newCA(t, "CA")
	key := ecKey(t)
	leaf := newLeaf(t, ca, key, nil)
	p8, _ := x509.MarshalPKCS8PrivateKey(key)
	dir := t.TempDir()
	keyFile := writeFile(t, "k.pem", pemOf("PRIVATE KEY", p8))
	certFile := writeFile(t, "c.pem", certPEM(leaf.Cert))
	caFile := writeFile(t, "ca.pem", certPEM(ca.Cert))
	out := filepath.Join(dir, "c.p12")
	cmd := exec.Command(openssl, "pkcs12", "-export", "-inkey", keyFile, "-in", certFile, "-certfile", caFile, "-out", out, "-passout", "pass:open sesame")
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("openssl pkcs12: %v\n%s", err, b)
	}
	b, _ := exec.Command(openssl, "pkcs12", "-info", "-noout", "-in", out, "-passin", "pass:open sesame").CombinedOutput()
	if !strings.Contains(string(b), "PBES2, PBKDF2, AES-256-CBC") {
		t.Fatalf("the file is not AES-encrypted; openssl reports: %s", b)
	}
	der, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	c, err := ParsePKCS12(der, "open sesame")
	if err != nil {
		t.Fatal(err)
	}
	if !c.Leaf().Equal(leaf.Cert) || len(c.Chain) != 2 {
		t.Error("wrong credential from the OpenSSL file")
	}
	if _, err := ParsePKCS12(der, "open sesam"); !errors.Is(err, ErrWrongPassword) {
		t.Errorf("wrong password: %v", err)
	}
}
