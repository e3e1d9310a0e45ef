package eaptls

import (
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"testing"
	"time"

	"github.com/espressovpn/espresso/internal/pkitest"
)

// testNow is the clock of every test: all certificates are valid then.
var testNow = time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)

// issued is a certificate with its key.
type issued struct{ pkitest.Issued }

func (i issued) tls() tls.Certificate {
	return tls.Certificate{Certificate: [][]byte{i.Cert.Raw}, PrivateKey: i.Key, Leaf: i.Cert}
}

func (i issued) pool() *x509.CertPool {
	p := x509.NewCertPool()
	p.AddCert(i.Cert)
	return p
}

// issue makes a certificate from tmpl with a new key, signed by parent
// (self-signed when parent is nil), valid around testNow unless tmpl
// says otherwise.
func issue(t testing.TB, tmpl *x509.Certificate, parent *issued) issued {
	t.Helper()
	if tmpl.NotBefore.IsZero() {
		tmpl.NotBefore, tmpl.NotAfter = testNow.Add(-time.Hour), testNow.Add(24*time.Hour)
	}
	var p *pkitest.Issued
	if parent != nil {
		p = &parent.Issued
	}
	return issued{pkitest.Issue(t, tmpl, pkitest.ECKey(t), p)}
}

func newCA(t testing.TB, name string) issued {
	return issue(t, &x509.Certificate{
		Subject: pkix.Name{CommonName: name}, IsCA: true, BasicConstraintsValid: true,
		KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature,
	}, nil)
}

func newGateway(t testing.TB, ca issued, notAfter time.Time) issued {
	tmpl := &x509.Certificate{
		Subject: pkix.Name{CommonName: "gw.example.test"}, DNSNames: []string{"gw.example.test"},
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	if !notAfter.IsZero() {
		tmpl.NotBefore, tmpl.NotAfter = notAfter.Add(-48*time.Hour), notAfter
	}
	return issue(t, tmpl, &ca)
}

func newClient(t testing.TB, ca issued) issued {
	return issue(t, &x509.Certificate{
		Subject: pkix.Name{CommonName: "client@example.test"}, EmailAddresses: []string{"client@example.test"},
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
	}, &ca)
}
