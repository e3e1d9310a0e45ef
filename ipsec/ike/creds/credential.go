package creds

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"slices"
	"time"

	"github.com/espressovpn/espresso/ipsec/ike/auth"
)

// Credential is our certificate chain, leaf first, and the leaf's private
// key.
type Credential struct {
	Chain []*x509.Certificate
	Key   crypto.Signer
}

// Leaf returns the end-entity certificate.
func (c *Credential) Leaf() *x509.Certificate { return c.Chain[0] }

// TLSCertificate returns the credential for crypto/tls (EAP-TLS).
func (c *Credential) TLSCertificate() tls.Certificate {
	t := tls.Certificate{PrivateKey: c.Key, Leaf: c.Chain[0]}
	for _, x := range c.Chain {
		t.Certificate = append(t.Certificate, x.Raw)
	}
	return t
}

// Check tells early what the gateway would refuse: a leaf outside its
// validity at now, one not meant for IKE signatures, and, with roots, a
// chain that does not lead to them. Errors wrap auth.ErrCertExpired,
// auth.ErrCertNotYetValid, auth.ErrCertKeyUsage or auth.ErrCertUntrusted.
func (c *Credential) Check(roots *x509.CertPool, now time.Time) error {
	leaf := c.Leaf()
	if roots != nil {
		return auth.VerifyChain(leaf, c.Chain[1:], roots, now)
	}
	if now.Before(leaf.NotBefore) {
		return fmt.Errorf("%w: our certificate %q is valid from %s", auth.ErrCertNotYetValid, leaf.Subject.String(), leaf.NotBefore.UTC().Format(time.RFC3339))
	}
	if now.After(leaf.NotAfter) {
		return fmt.Errorf("%w: our certificate %q expired at %s", auth.ErrCertExpired, leaf.Subject.String(), leaf.NotAfter.UTC().Format(time.RFC3339))
	}
	// VerifyChain applies the usage rules (RFC 4945 §5.1.3.2, §5.1.3.12);
	// a pool holding the leaf itself makes the chain part pass trivially.
	self := x509.NewCertPool()
	self.AddCert(leaf)
	return auth.VerifyChain(leaf, nil, self, now)
}

// newCredential checks that key belongs to the first certificate and
// orders the chain.
func newCredential(certs []*x509.Certificate, key any) (*Credential, error) {
	if len(certs) == 0 {
		return nil, ErrNoCertificate
	}
	if key == nil {
		return nil, ErrNoKey
	}
	signer, err := asSigner(key)
	if err != nil {
		return nil, err
	}
	type equaler interface{ Equal(crypto.PublicKey) bool }
	i := slices.IndexFunc(certs, func(c *x509.Certificate) bool {
		e, ok := c.PublicKey.(equaler)
		return ok && e.Equal(signer.Public())
	})
	if i < 0 {
		return nil, fmt.Errorf("%w: %q", ErrKeyMismatch, certs[0].Subject.String())
	}
	chain := append([]*x509.Certificate{certs[i]}, slices.Delete(slices.Clone(certs), i, i+1)...)
	return &Credential{Chain: chain, Key: signer}, nil
}

// asSigner accepts the key types IKE signs with (RFC 7296 §3.8, RFC 7427,
// RFC 8420).
func asSigner(key any) (crypto.Signer, error) {
	switch k := key.(type) {
	case *rsa.PrivateKey:
		return k, nil
	case *ecdsa.PrivateKey:
		return k, nil
	case ed25519.PrivateKey:
		return k, nil
	case *ed25519.PrivateKey:
		return *k, nil
	}
	return nil, fmt.Errorf("%w: %T", ErrUnsupportedKey, key)
}
