package profile

import (
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"testing"

	"software.sslmate.com/src/go-pkcs12"

	"github.com/espressovpn/espresso/helper/api"
	"github.com/espressovpn/espresso/internal/pkitest"
)

func TestCheckMaterial(t *testing.T) {
	leaf := pkitest.Issue(t, &x509.Certificate{Subject: pkix.Name{CommonName: "alice"}}, pkitest.ECKey(t), nil)
	p12, err := pkcs12.Modern.Encode(leaf.Key, leaf.Cert, nil, "right")
	if err != nil {
		t.Fatal(err)
	}
	if err := CheckMaterial(api.FieldP12, p12, "right"); err != nil {
		t.Errorf("right password: %v", err)
	}
	if err := CheckMaterial(api.FieldP12, p12, "wrong"); !errors.Is(err, ErrP12Password) {
		t.Errorf("wrong password: %v", err)
	}
	if err := CheckMaterial(api.FieldP12, leaf.Cert.Raw, "right"); err == nil || errors.Is(err, ErrP12Password) {
		t.Errorf("a certificate as bundle: %v", err)
	}
	if err := CheckMaterial(api.FieldCert, []byte(pkitest.CertPEM(leaf.Cert)), ""); err != nil {
		t.Errorf("certificate: %v", err)
	}
	if err := CheckMaterial(api.FieldKey, []byte(pkitest.KeyPEM(t, leaf.Key)), ""); err != nil {
		t.Errorf("key: %v", err)
	}
	if err := CheckMaterial(api.FieldKey, []byte(pkitest.CertPEM(leaf.Cert)), ""); err == nil {
		t.Error("a certificate taken for a key")
	}
	if err := CheckMaterial(api.FieldGateway, nil, ""); err == nil {
		t.Error("a field without credentials")
	}
}
