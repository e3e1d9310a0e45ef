package creds

import (
	"errors"
	"fmt"
)

// Sentinel errors of this package.
var (
	// ErrWrongPassword: the PKCS#12 file does not open with the password.
	ErrWrongPassword = errors.New("creds: wrong password for the PKCS#12 file")
	// ErrKeyMismatch: the private key is not the certificate's.
	ErrKeyMismatch = errors.New("creds: the private key does not belong to the certificate")
	// ErrNoCertificate: no certificate where one was expected.
	ErrNoCertificate = errors.New("creds: no certificate found")
	// ErrNoKey: no private key where one was expected.
	ErrNoKey = errors.New("creds: no private key found")
	// ErrEncryptedKey: a PEM private key encrypted with a passphrase, which
	// profiles do not support; a PKCS#12 file carries a protected key.
	ErrEncryptedKey = errors.New("creds: encrypted PEM private keys are not supported, use a PKCS#12 file")
	// ErrUnsupportedKey: a key type IKE cannot sign with.
	ErrUnsupportedKey = errors.New("creds: unsupported private key type")
	// ErrMalformed: data that is not PEM, DER or PKCS#12 as expected.
	ErrMalformed = errors.New("creds: malformed credential data")
)

func malformed(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrMalformed}, args...)...)
}
