// Package pkitest mints the certificates of unit tests: a key, a
// certificate from a template signed by a parent or by itself, and their
// PEM forms. Each test keeps its own templates (names, usages, validity
// against its own clock); the signing is done here once.
//
// platform/linux/testnet's PKI, which the root-only tests give a
// strongSwan gateway as files, signs through Sign.
package pkitest

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"strings"
	"testing"
	"time"
)

// Issued is a certificate with its private key.
type Issued struct {
	Cert *x509.Certificate
	Key  crypto.Signer
}

// ECKey returns a new P-256 key.
func ECKey(tb testing.TB) *ecdsa.PrivateKey {
	tb.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		tb.Fatal(err)
	}
	return k
}

// Issue makes a certificate from tmpl for key, signed by parent, or by
// key itself when parent is nil. A template without a serial number gets
// a random one; one without a validity is valid from an hour ago for a
// day.
func Issue(tb testing.TB, tmpl *x509.Certificate, key crypto.Signer, parent *Issued) Issued {
	tb.Helper()
	c, err := Sign(tmpl, key, parent)
	if err != nil {
		tb.Fatal(err)
	}
	return c
}

// Sign is Issue returning its error, for a test lab that has no
// testing.TB.
func Sign(tmpl *x509.Certificate, key crypto.Signer, parent *Issued) (Issued, error) {
	if tmpl.SerialNumber == nil {
		n, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 64))
		if err != nil {
			return Issued{}, err
		}
		tmpl.SerialNumber = n
	}
	if tmpl.NotBefore.IsZero() && tmpl.NotAfter.IsZero() {
		tmpl.NotBefore, tmpl.NotAfter = time.Now().Add(-time.Hour), time.Now().Add(24*time.Hour)
	}
	signer, parentCert := key, tmpl
	if parent != nil {
		signer, parentCert = parent.Key, parent.Cert
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, parentCert, key.Public(), signer)
	if err != nil {
		return Issued{}, err
	}
	c, err := x509.ParseCertificate(der)
	if err != nil {
		return Issued{}, err
	}
	return Issued{Cert: c, Key: key}, nil
}

// CA makes a self-signed CA named name, valid as Issue makes it unless
// edit sets the validity.
func CA(tb testing.TB, name string, edit func(*x509.Certificate)) Issued {
	tb.Helper()
	tmpl := &x509.Certificate{
		Subject: pkix.Name{CommonName: name}, IsCA: true, BasicConstraintsValid: true,
		KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature,
	}
	if edit != nil {
		edit(tmpl)
	}
	return Issue(tb, tmpl, ECKey(tb), nil)
}

// CertPEM returns the certificates in PEM, in order.
func CertPEM(cs ...*x509.Certificate) string {
	var b strings.Builder
	for _, c := range cs {
		b.Write(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.Raw}))
	}
	return b.String()
}

// KeyPEM returns key in PKCS#8 PEM.
func KeyPEM(tb testing.TB, key crypto.Signer) string {
	tb.Helper()
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		tb.Fatal(err)
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}))
}
