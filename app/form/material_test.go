package form

import (
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"software.sslmate.com/src/go-pkcs12"

	"github.com/espressovpn/espresso/helper/api"
	"github.com/espressovpn/espresso/internal/pkitest"
)

func TestMaterialConvertsAndChecks(t *testing.T) {
	ca := pkitest.CA(t, "Espresso Test CA", nil)
	leaf := pkitest.Issue(t, &x509.Certificate{Subject: pkix.Name{CommonName: "alice@example.com"}}, pkitest.ECKey(t), &ca)
	keyDER, err := x509.MarshalPKCS8PrivateKey(leaf.Key)
	if err != nil {
		t.Fatal(err)
	}
	p12, err := pkcs12.Modern.Encode(leaf.Key, leaf.Cert, nil, "right")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		field string
		in    []byte
		want  string // the value, or the error after "error: "
	}{
		{api.FieldCert, []byte(pkitest.CertPEM(leaf.Cert)), pkitest.CertPEM(leaf.Cert)},
		{api.FieldCert, leaf.Cert.Raw, pkitest.CertPEM(leaf.Cert)},
		{api.FieldCA, append(append([]byte{}, leaf.Cert.Raw...), ca.Cert.Raw...), pkitest.CertPEM(leaf.Cert, ca.Cert)},
		{api.FieldKey, keyDER, pkitest.KeyPEM(t, leaf.Key)},
		{api.FieldKey, []byte(pkitest.KeyPEM(t, leaf.Key)), pkitest.KeyPEM(t, leaf.Key)},
		{api.FieldP12, p12, base64.StdEncoding.EncodeToString(p12)},
		{api.FieldCert, keyDER, "error: Certificate: not a certificate in PEM or DER form"},
		{api.FieldKey, leaf.Cert.Raw, "error: Private key: not a private key in PEM or DER form"},
		{api.FieldKey, []byte(pkitest.CertPEM(leaf.Cert)), "error: Private key: no complete PEM private key block"},
		{api.FieldCA, []byte("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"), "error: Gateway CA: certificate 1 does not parse"},
		{api.FieldP12, leaf.Cert.Raw, "error: PKCS#12 bundle: not a PKCS#12 file (.p12 or .pfx), or a damaged one"},
		{api.FieldCert, []byte(" \n"), "error: Certificate: the file is empty"},
	} {
		got, err := Material(tc.field, tc.in, "")
		if err != nil {
			got = "error: " + err.Error()
		}
		if !strings.HasPrefix(got, tc.want) {
			t.Errorf("%s: got %q, want %q", tc.field, got, tc.want)
		}
	}
}

func TestReadFileBoundsSize(t *testing.T) {
	dir := t.TempDir()
	big := filepath.Join(dir, "big.pem")
	if err := os.WriteFile(big, make([]byte, MaxFileSize+1), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := ReadFile(big); err == nil || !strings.Contains(err.Error(), "larger than") {
		t.Errorf("a file over the limit: %v", err)
	}
	if _, err := ReadFile(filepath.Join(dir, "none.pem")); err == nil {
		t.Error("a missing file was read")
	}
}

// The PKCS#12 choice sends the bundle and drops the certificate and key,
// and the other way round; Clear drops a stored secret.
func TestP12OrCertificate(t *testing.T) {
	stored := Stored{Profile: api.Profile{Name: "corp", Gateway: "192.0.2.1", Auth: api.AuthCert,
		Cert: "-----BEGIN CERTIFICATE-----", HasKey: true}}
	f := FromProfile(stored.Profile)
	if f.UseP12 {
		t.Fatal("a certificate and key profile opens as PKCS#12")
	}
	f.UseP12, f.P12, f.P12Password = true, "MIIB", "pw"
	p := f.Profile(stored)
	if p.Cert != "" || p.HasKey || p.P12 != "MIIB" || p.P12Password != "pw" {
		t.Errorf("to PKCS#12: cert %q has_key %v p12 %q", p.Cert, p.HasKey, p.P12)
	}
	stored = Stored{Profile: api.Profile{Name: "corp", Gateway: "192.0.2.1", Auth: api.AuthCert, HasP12: true, HasP12Password: true}}
	f = FromProfile(stored.Profile)
	if !f.UseP12 {
		t.Fatal("a PKCS#12 profile opens as certificate and key")
	}
	if ps := Check(f, stored); len(ps) != 0 {
		t.Errorf("stored bundle: %q", ps)
	}
	if p := f.Profile(stored); !p.HasP12 || !p.HasP12Password {
		t.Errorf("stored bundle not kept: %v %v", p.HasP12, p.HasP12Password)
	}
	f.Clear = map[string]bool{api.FieldP12Password: true}
	if p := f.Profile(stored); !p.HasP12 || p.HasP12Password {
		t.Errorf("cleared password kept: %v %v", p.HasP12, p.HasP12Password)
	}
	f.Clear = map[string]bool{api.FieldP12: true}
	if ps := Check(f, stored); !strings.HasPrefix(ps[api.FieldP12], "PKCS#12 bundle: choose") {
		t.Errorf("cleared bundle: %q", ps)
	}
	f.Clear, f.UseP12 = nil, false
	if p := f.Profile(stored); p.HasP12 || p.HasP12Password {
		t.Errorf("switching to a certificate keeps the bundle: %v %v", p.HasP12, p.HasP12Password)
	}
}
