package pkitest

import (
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"testing"
)

// TestChainVerifies issues a leaf under a CA and checks it verifies
// against that CA and not against another.
func TestChainVerifies(t *testing.T) {
	ca := CA(t, "Test CA", nil)
	leaf := Issue(t, &x509.Certificate{Subject: pkix.Name{CommonName: "gw.example.test"}, DNSNames: []string{"gw.example.test"},
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}, ECKey(t), &ca)
	roots := x509.NewCertPool()
	roots.AddCert(ca.Cert)
	if _, err := leaf.Cert.Verify(x509.VerifyOptions{Roots: roots, DNSName: "gw.example.test"}); err != nil {
		t.Fatalf("leaf does not verify against its CA: %v", err)
	}
	other := x509.NewCertPool()
	other.AddCert(CA(t, "Other CA", nil).Cert)
	if _, err := leaf.Cert.Verify(x509.VerifyOptions{Roots: other}); err == nil {
		t.Fatal("leaf verifies against another CA")
	}
	if b, _ := pem.Decode([]byte(CertPEM(leaf.Cert))); b == nil || b.Type != "CERTIFICATE" {
		t.Errorf("CertPEM: %v", b)
	}
	if b, _ := pem.Decode([]byte(KeyPEM(t, leaf.Key))); b == nil || b.Type != "PRIVATE KEY" {
		t.Errorf("KeyPEM: %v", b)
	}
}
