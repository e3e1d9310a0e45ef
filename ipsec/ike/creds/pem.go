package creds

import (
	"crypto/x509"
	"encoding/pem"
	"fmt"
)

// LoadPEM loads our credential from a certificate and a key, each inline
// PEM or a path. key may be empty when the certificate's PEM holds the key
// too. Further certificates after the leaf are sent as the chain.
func LoadPEM(cert, key string) (*Credential, error) {
	cb, err := readPEMSource(cert)
	if err != nil {
		return nil, err
	}
	var kb []byte
	if key != "" {
		if kb, err = readPEMSource(key); err != nil {
			return nil, err
		}
	}
	return FromPEM(cb, kb)
}

// FromPEM is LoadPEM for the PEM content of the certificate and of the
// key; key may be empty when cert holds the key too.
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

// LoadCAs reads the CA certificates of a profile, inline PEM or a path,
// for ike.Config.CAs and, through Pool, for EAP-TLS.
func LoadCAs(s string) ([]*x509.Certificate, error) {
	b, err := readPEMSource(s)
	if err != nil {
		return nil, err
	}
	return ParseCAs(b)
}

// ParseCAs is LoadCAs for the PEM content.
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
