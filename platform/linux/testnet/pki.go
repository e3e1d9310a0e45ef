package testnet

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"net"
	"strings"

	"github.com/espressovpn/espresso/internal/pkitest"
)

// KeyType selects the key of a test certificate.
type KeyType int

// Key types for test certificates.
const (
	RSA3072 KeyType = iota // large enough that the gateway's IKE_AUTH fragments
	ECDSAP256
)

// Identity is a certificate and its private key, made for one test run.
type Identity struct {
	Cert *x509.Certificate
	Key  crypto.Signer
}

// CertPEM is the certificate in PEM.
func (id *Identity) CertPEM() []byte { return []byte(pkitest.CertPEM(id.Cert)) }

// KeyPEM is the private key in PKCS#8 PEM.
func (id *Identity) KeyPEM() []byte {
	der, err := x509.MarshalPKCS8PrivateKey(id.Key)
	if err != nil {
		panic(err) // only for key types this file made
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})
}

// PKI is a throwaway certification authority for tests.
type PKI struct {
	CA *Identity
}

func newKey(kt KeyType) (crypto.Signer, error) {
	switch kt {
	case RSA3072:
		return rsa.GenerateKey(rand.Reader, 3072)
	case ECDSAP256:
		return ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	}
	return nil, fmt.Errorf("unknown key type %d", kt)
}

// NewPKI makes a CA valid from an hour ago for a day.
func NewPKI(kt KeyType) (*PKI, error) {
	key, err := newKey(kt)
	if err != nil {
		return nil, err
	}
	ca, err := pkitest.Sign(&x509.Certificate{
		Subject:               pkix.Name{Country: []string{"XX"}, Organization: []string{"Espresso Test"}, CommonName: "Espresso Test CA"},
		IsCA:                  true,
		BasicConstraintsValid: true,
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
	}, key, nil)
	if err != nil {
		return nil, err
	}
	return &PKI{CA: &Identity{Cert: ca.Cert, Key: ca.Key}}, nil
}

// Issue makes an end-entity certificate for name, valid as the CA is: a
// DNS name, an email address (when name holds an @) or an IP address,
// which also goes into the subject alternative names so it can serve as
// the IKE identity.
func (p *PKI) Issue(name string, kt KeyType) (*Identity, error) {
	key, err := newKey(kt)
	if err != nil {
		return nil, err
	}
	tmpl := &x509.Certificate{
		Subject:     pkix.Name{Country: []string{"XX"}, Organization: []string{"Espresso Test"}, CommonName: name},
		KeyUsage:    x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth},
	}
	switch ip := net.ParseIP(name); {
	case ip != nil:
		tmpl.IPAddresses = []net.IP{ip}
	case strings.Contains(name, "@"):
		tmpl.EmailAddresses = []string{name}
	default:
		tmpl.DNSNames = []string{name}
	}
	c, err := pkitest.Sign(tmpl, key, &pkitest.Issued{Cert: p.CA.Cert, Key: p.CA.Key})
	if err != nil {
		return nil, err
	}
	return &Identity{Cert: c.Cert, Key: c.Key}, nil
}
