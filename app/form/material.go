package form

import (
	"bytes"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/espressovpn/espresso/app/explain"
	"github.com/espressovpn/espresso/helper/api"
	"github.com/espressovpn/espresso/helper/profile"
)

// MaxFileSize bounds a credential file the editor reads: certificates,
// keys and PKCS#12 bundles are a few kilobytes, a larger file is the
// wrong one.
const MaxFileSize = 1 << 20

// ReadFile reads a file the user chose or named, with this process's
// rights (the user's): the helper takes files from root only, so a
// user's file goes to it as data.
func ReadFile(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, MaxFileSize+1))
	if err != nil {
		return nil, err
	}
	if len(b) > MaxFileSize {
		return nil, fmt.Errorf("%s is larger than %d KiB; choose the certificate's own file", path, MaxFileSize>>10)
	}
	return b, nil
}

// Material turns the content of a file chosen for field (api.FieldCert,
// FieldKey, FieldCA or FieldP12) into the form's value for it and checks
// it by the helper's rules: certificates and keys become PEM text (DER
// is converted), a PKCS#12 bundle base64. A bundle is opened with
// password; one the password does not open is accepted here, since the
// password may be typed after the file is chosen (Check then names the
// password field). The error starts with the field's label and never
// quotes the data.
func Material(field string, b []byte, password string) (string, error) {
	fail := func(format string, args ...any) (string, error) {
		return "", fmt.Errorf("%s: %s", explain.FieldLabel(field), fmt.Sprintf(format, args...))
	}
	if len(bytes.TrimSpace(b)) == 0 {
		return fail("the file is empty")
	}
	switch field {
	case api.FieldP12:
		err := profile.CheckMaterial(field, b, password)
		if err != nil && !errors.Is(err, profile.ErrP12Password) {
			return fail("not a PKCS#12 file (.p12 or .pfx), or a damaged one")
		}
		return base64.StdEncoding.EncodeToString(b), nil
	case api.FieldCert, api.FieldCA, api.FieldKey:
	default:
		return fail("takes no file")
	}
	text := b
	if !bytes.Contains(b, []byte(pemMarker)) {
		var ok bool
		if text, ok = derToPEM(field, b); !ok {
			what := "a certificate"
			if field == api.FieldKey {
				what = "a private key"
			}
			return fail("not %s in PEM or DER form", what)
		}
	}
	if err := profile.CheckMaterial(field, text, ""); err != nil {
		return fail("%v", err)
	}
	return string(text), nil
}

// pemMarker starts every PEM block.
const pemMarker = "-----BEGIN "

// derToPEM converts DER certificates (one or several, concatenated) or
// a DER private key (PKCS#8, PKCS#1 or SEC 1) to PEM.
func derToPEM(field string, der []byte) ([]byte, bool) {
	block := func(typ string) []byte { return pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}) }
	if field != api.FieldKey {
		certs, err := x509.ParseCertificates(der)
		if err != nil || len(certs) == 0 {
			return nil, false
		}
		var out []byte
		for _, c := range certs {
			out = append(out, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.Raw})...)
		}
		return out, true
	}
	if _, err := x509.ParsePKCS8PrivateKey(der); err == nil {
		return block("PRIVATE KEY"), true
	}
	if _, err := x509.ParsePKCS1PrivateKey(der); err == nil {
		return block("RSA PRIVATE KEY"), true
	}
	if _, err := x509.ParseECPrivateKey(der); err == nil {
		return block("EC PRIVATE KEY"), true
	}
	return nil, false
}
