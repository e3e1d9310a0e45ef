package profile

import (
	"crypto/x509"
	"errors"
	"fmt"

	"github.com/espressovpn/espresso/ipsec/ike/creds"
)

// Credential loads the client's certificate chain and key: from P12 when
// the profile has one, else from Cert and Key. Files are read now, so a
// file changed since the import takes effect at the next connect. Its
// errors are creds' typed ones; it never quotes a key.
func (p *Profile) Credential() (*creds.Credential, error) {
	if !p.P12.IsZero() {
		b, err := p.P12.Read()
		if err != nil {
			return nil, err
		}
		if p.P12.Path != "" {
			// The file's bytes are this call's own: wipe them once parsed.
			defer clear(b)
		}
		c, err := creds.ParsePKCS12(b, p.P12Password.Reveal())
		return c, contentError(err)
	}
	cert, err := p.Cert.Read()
	if err != nil {
		return nil, err
	}
	if p.Cert.Path != "" {
		// The file may hold the key too.
		defer clear(cert)
	}
	var key []byte
	if !p.Key.IsZero() {
		if key, err = p.Key.Read(); err != nil {
			return nil, err
		}
		if p.Key.Path != "" {
			defer clear(key)
		}
	}
	c, err := creds.FromPEM(cert, key)
	return c, contentError(err)
}

// CAs loads the certificates that sign the gateway's, reading a file
// now; nil when the profile names none.
func (p *Profile) CAs() ([]*x509.Certificate, error) {
	if p.CA.IsZero() {
		return nil, nil
	}
	b, err := p.CA.Read()
	if err != nil {
		return nil, err
	}
	cas, err := creds.ParseCAs(b)
	return cas, contentError(err)
}

// contentError keeps what a parse error of credential data means (creds'
// sentinel) and drops its details: a decoder's message can carry bytes of
// the data (an ASN.1 tag, a length, a PEM header), and the data may be a
// file that only root may read.
func contentError(err error) error {
	if err == nil {
		return nil
	}
	for _, s := range []error{creds.ErrWrongPassword, creds.ErrKeyMismatch, creds.ErrNoCertificate, creds.ErrNoKey,
		creds.ErrEncryptedKey, creds.ErrUnsupportedKey, creds.ErrMalformed} {
		if errors.Is(err, s) {
			return s
		}
	}
	return fmt.Errorf("%w: the data does not parse", creds.ErrMalformed)
}
