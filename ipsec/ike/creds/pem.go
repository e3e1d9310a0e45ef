package creds

import (
	"crypto/x509"
	"encoding/pem"
	"fmt"
)

// FromPEM returns our credential from the PEM content of a certificate
// and of its key; key may be empty when cert holds the key too. Further
// certificates after the leaf are sent as the chain. Reading files is the
// caller's business: nothing here opens one.
func FromPEM(cert, key []byte) (*Credential, error) {
	certs, k, err := ParsePEM(cert)
	if err != nil {
		return nil, err
	}
	if len(key) > 0 {
		if _, k, err = ParsePEM(key); err != nil {
			return nil, err
		}
	}
	return newCredential(certs, k)
}

// ParsePEM reads every CERTIFICATE block and the first private key of
// data: "RSA PRIVATE KEY" (PKCS#1, RFC 8017 Appendix A.1.2), "PRIVATE KEY"
// (PKCS#8, RFC 5208) or "EC PRIVATE KEY" (SEC1, RFC 5915). Other blocks,
// such as EC PARAMETERS, are skipped.
func ParsePEM(data []byte) (certs []*x509.Certificate, key any, err error) {
	return parsePEM(data, true)
}

// parsePEM is ParsePEM; without withKey, key blocks are skipped unread.
func parsePEM(data []byte, withKey bool) (certs []*x509.Certificate, key any, err error) {
	found := false
	for {
		var b *pem.Block
		b, data = pem.Decode(data)
		if b == nil {
			break
		}
		found = true
		switch b.Type {
		case "CERTIFICATE":
			c, err := x509.ParseCertificate(b.Bytes)
			if err != nil {
				return nil, nil, malformed("certificate: %v", err)
			}
			certs = append(certs, c)
		case "RSA PRIVATE KEY", "PRIVATE KEY", "EC PRIVATE KEY":
			if key != nil || !withKey {
				continue
			}
			if _, ok := b.Headers["DEK-Info"]; ok {
				return nil, nil, ErrEncryptedKey
			}
			if key, err = parseKey(b); err != nil {
				return nil, nil, err
			}
		case "ENCRYPTED PRIVATE KEY":
			if withKey {
				return nil, nil, ErrEncryptedKey
			}
		}
	}
	if !found {
		return nil, nil, malformed("no PEM block")
	}
	return certs, key, nil
}

func parseKey(b *pem.Block) (any, error) {
	var k any
	var err error
	switch b.Type {
	case "RSA PRIVATE KEY":
		k, err = x509.ParsePKCS1PrivateKey(b.Bytes)
	case "EC PRIVATE KEY":
		k, err = x509.ParseECPrivateKey(b.Bytes)
	default:
		k, err = x509.ParsePKCS8PrivateKey(b.Bytes)
	}
	if err != nil {
		return nil, malformed("%s: %v", b.Type, err)
	}
	return k, nil
}

// ParseCAs reads the CA certificates of a profile from their PEM content,
// for ike.Config.CAs and, through Pool, for EAP-TLS.
func ParseCAs(data []byte) ([]*x509.Certificate, error) {
	certs, _, err := parsePEM(data, false)
	if err != nil {
		return nil, err
	}
	if len(certs) == 0 {
		return nil, fmt.Errorf("%w in the CA data", ErrNoCertificate)
	}
	return certs, nil
}

// Pool returns a pool of certs.
func Pool(certs []*x509.Certificate) *x509.CertPool {
	p := x509.NewCertPool()
	for _, c := range certs {
		p.AddCert(c)
	}
	return p
}
