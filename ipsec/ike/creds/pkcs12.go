package creds

import (
	"errors"
	"fmt"

	"software.sslmate.com/src/go-pkcs12"
)

// ParsePKCS12 returns our credential from the content of a PKCS#12 file
// (RFC 7292) and its password. Files from OpenSSL 3 (AES-256-CBC with
// PBKDF2) open as well as legacy ones (3DES, RC2); that is why this uses
// software.sslmate.com/src/go-pkcs12 rather than the frozen
// golang.org/x/crypto/pkcs12, which reads only the legacy ciphers. CA
// certificates in the file become the chain.
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
