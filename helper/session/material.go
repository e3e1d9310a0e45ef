package session

import (
	"crypto"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"io"
	"os"
	"strings"
)

// maxMaterial bounds a certificate or key file the profile names by path.
const maxMaterial = 1 << 20

// readMaterial returns inline PEM as it is, or the contents of the absolute
// path the profile gives instead.
func readMaterial(field, v string) ([]byte, error) {
	if strings.Contains(v, "-----BEGIN ") {
		return []byte(v), nil
	}
	f, err := os.Open(v)
	if err != nil {
		return nil, &ProfileError{Field: field, Reason: err.Error()}
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, maxMaterial+1))
	if err != nil {
		return nil, &ProfileError{Field: field, Reason: err.Error()}
	}
	if len(b) > maxMaterial {
		return nil, &ProfileError{Field: field, Reason: fmt.Sprintf("%s is larger than %d bytes", v, maxMaterial)}
	}
	return b, nil
}

// loadCerts parses every CERTIFICATE block, in order.
func loadCerts(field, v string) ([]*x509.Certificate, error) {
	data, err := readMaterial(field, v)
	if err != nil {
		return nil, err
	}
	var out []*x509.Certificate
	for {
		var b *pem.Block
		if b, data = pem.Decode(data); b == nil {
			break
		}
		if b.Type != "CERTIFICATE" {
			continue
		}
		c, err := x509.ParseCertificate(b.Bytes)
		if err != nil {
			return nil, &ProfileError{Field: field, Reason: fmt.Sprintf("certificate %d: %v", len(out)+1, err)}
		}
		out = append(out, c)
	}
	if len(out) == 0 {
		return nil, &ProfileError{Field: field, Reason: "no PEM certificate"}
	}
	return out, nil
}

// loadKey parses the first private key block. Its errors never quote the
// key.
func loadKey(v string) (crypto.Signer, error) {
	data, err := readMaterial("key", v)
	if err != nil {
		return nil, err
	}
	for {
		var b *pem.Block
		if b, data = pem.Decode(data); b == nil {
			return nil, &ProfileError{Field: "key", Reason: "no PEM private key"}
		}
		var k any
		switch b.Type {
		case "PRIVATE KEY":
			k, err = x509.ParsePKCS8PrivateKey(b.Bytes)
		case "RSA PRIVATE KEY":
			k, err = x509.ParsePKCS1PrivateKey(b.Bytes)
		case "EC PRIVATE KEY":
			k, err = x509.ParseECPrivateKey(b.Bytes)
		default:
			continue
		}
		if err != nil {
			return nil, &ProfileError{Field: "key", Reason: strings.ToLower(b.Type) + " does not parse"}
		}
		s, ok := k.(crypto.Signer)
		if !ok {
			return nil, &ProfileError{Field: "key", Reason: "the key cannot sign"}
		}
		return s, nil
	}
}
