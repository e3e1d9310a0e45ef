package auth

import (
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"errors"
	"math/big"
	"testing"
	"time"

	"github.com/espressovpn/espresso/internal/pkitest"
)

// TestGatewayUsage mints certificates from one CA with each extended key
// usage and checks which may stand for a gateway: a user's clientAuth
// certificate must not, or any user of the CA could pose as the gateway.
func TestGatewayUsage(t *testing.T) {
	caKey := pkitest.ECKey(t)
	ca := pkitest.Issue(t, &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "Test CA"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign,
	}, caKey, nil)
	for _, tc := range []struct {
		name    string
		eku     []x509.ExtKeyUsage
		unknown []asn1.ObjectIdentifier
		ok      bool
	}{
		{"no extension", nil, nil, true},
		{"serverAuth", []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}, nil, true},
		{"serverAuth and clientAuth", []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth}, nil, true},
		{"iKEIntermediate", nil, []asn1.ObjectIdentifier{oidEKUIKEIntermediate}, true},
		{"any", []x509.ExtKeyUsage{x509.ExtKeyUsageAny}, nil, true},
		{"clientAuth", []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}, nil, false},
		{"ipsecUser", []x509.ExtKeyUsage{x509.ExtKeyUsageIPSECUser}, nil, false},
		{"ipsecIKE", nil, []asn1.ObjectIdentifier{oidEKUIPsecIKE}, false},
	} {
		leaf := pkitest.Issue(t, &x509.Certificate{
			SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: "gw.example.test"},
			DNSNames:  []string{"gw.example.test"},
			NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
			KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: tc.eku, UnknownExtKeyUsage: tc.unknown,
		}, pkitest.ECKey(t), &ca).Cert
		err := CheckGatewayUsage(leaf)
		if tc.ok && err != nil {
			t.Errorf("%s: %v", tc.name, err)
		}
		if !tc.ok && !errors.Is(err, ErrCertKeyUsage) {
			t.Errorf("%s: accepted as a gateway's certificate (err %v)", tc.name, err)
		}
	}
}
