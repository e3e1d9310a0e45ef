package profile

import (
	"crypto/x509"

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
		return creds.ParsePKCS12(b, p.P12Password)
	}
	cert, err := p.Cert.Read()
	if err != nil {
		return nil, err
	}
	var key []byte
	if !p.Key.IsZero() {
		if key, err = p.Key.Read(); err != nil {
			return nil, err
		}
	}
	return creds.FromPEM(cert, key)
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
	return creds.ParseCAs(b)
}
