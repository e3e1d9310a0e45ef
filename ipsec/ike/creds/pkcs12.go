package creds

import (
	"errors"
	"fmt"

	"software.sslmate.com/src/go-pkcs12"
)

// LoadPKCS12 loads our credential from a PKCS#12 file (RFC 7292), given as
// a path or base64, with its password. Files from OpenSSL 3 (AES-256-CBC
// with PBKDF2) open as well as legacy ones (3DES, RC2); that is why this
// uses software.sslmate.com/src/go-pkcs12 rather than the frozen
// golang.org/x/crypto/pkcs12, which reads only the legacy ciphers. CA
// certificates in the file become the chain.
func LoadPKCS12(s, password string) (*Credential, error) {
	b, err := readBinarySource(s)
	if err != nil {
		return nil, err
	}
	return ParsePKCS12(b, password)
}

// ParsePKCS12 is LoadPKCS12 for the file's content.
func ParsePKCS12(data []byte, password string) (*Credential, error) {
	key, leaf, cas, err := pkcs12.DecodeChain(data, password)
	if errors.Is(err, pkcs12.ErrIncorrectPassword) {
		return nil, ErrWrongPassword
	}
	if err != nil {
		return nil, fmt.Errorf("%w: PKCS#12: %v", ErrMalformed, err)
	}
	return newCredential(append(append(cas[:0:0], leaf), cas...), key)
}
