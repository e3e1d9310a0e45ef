package auth

import (
	"crypto/x509"
	"encoding/asn1"
	"errors"
	"fmt"
	"slices"
	"time"
)

// Extended key usages that mark a certificate for IKE: id-kp-ipsecIKE (RFC
// 4945 §5.1.3.12) and iKEIntermediate (1.3.6.1.5.5.8.2.2, from the IPsec PKI
// profile drafts, which Windows clients expect and strongSwan's pki tool
// writes). The IPsec end-system/user usages of RFC 2459 and TLS server and
// client authentication count too: gateways and clients commonly reuse such
// certificates and strongSwan accepts them. A certificate marked only for
// something else (code signing, e-mail protection) is refused.
var (
	oidEKUIPsecIKE        = asn1.ObjectIdentifier{1, 3, 6, 1, 5, 5, 7, 3, 17}
	oidEKUIKEIntermediate = asn1.ObjectIdentifier{1, 3, 6, 1, 5, 5, 8, 2, 2}
)

// VerifyChain checks that leaf chains to one of roots through
// intermediates (the other CERT payloads) at time now, and that leaf may
// sign IKE authentications. now is a parameter so that callers control the
// clock. Errors wrap ErrCertUntrusted, ErrCertExpired, ErrCertNotYetValid or
// ErrCertKeyUsage.
func VerifyChain(leaf *x509.Certificate, intermediates []*x509.Certificate, roots *x509.CertPool, now time.Time) error {
	if err := checkIKEUsage(leaf); err != nil {
		return err
	}
	inter := x509.NewCertPool()
	for _, c := range intermediates {
		inter.AddCert(c)
	}
	_, err := leaf.Verify(x509.VerifyOptions{
		Roots:         roots,
		Intermediates: inter,
		CurrentTime:   now,
		// Usage of the leaf is checked above with IKE's rules; x509 would
		// otherwise demand TLS server authentication along the chain.
		KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageAny},
	})
	if err == nil {
		return nil
	}
	subject := leaf.Subject.String()
	var inv x509.CertificateInvalidError
	if errors.As(err, &inv) {
		switch inv.Reason {
		case x509.Expired:
			c := inv.Cert
			if c == nil {
				c = leaf
			}
			if now.Before(c.NotBefore) {
				return fmt.Errorf("%w: %q is valid from %s: %v", ErrCertNotYetValid, c.Subject.String(), c.NotBefore.UTC().Format(time.RFC3339), err)
			}
			return fmt.Errorf("%w: %q expired at %s: %v", ErrCertExpired, c.Subject.String(), c.NotAfter.UTC().Format(time.RFC3339), err)
		case x509.IncompatibleUsage:
			return fmt.Errorf("%w: %q: %v", ErrCertKeyUsage, subject, err)
		}
	}
	return fmt.Errorf("%w: %q: %v", ErrCertUntrusted, subject, err)
}

// checkIKEUsage applies RFC 4945 §5.1.3.2 and §5.1.3.12: if the key usage
// extension is present it must allow digital signatures (or non-repudiation),
// and if the extended key usage extension is present it must allow IKE.
func checkIKEUsage(c *x509.Certificate) error {
	if c.KeyUsage != 0 && c.KeyUsage&(x509.KeyUsageDigitalSignature|x509.KeyUsageContentCommitment) == 0 {
		return fmt.Errorf("%w: %q has no digitalSignature key usage", ErrCertKeyUsage, c.Subject.String())
	}
	if len(c.ExtKeyUsage) == 0 && len(c.UnknownExtKeyUsage) == 0 {
		return nil
	}
	for _, u := range []x509.ExtKeyUsage{
		x509.ExtKeyUsageAny, x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth,
		x509.ExtKeyUsageIPSECEndSystem, x509.ExtKeyUsageIPSECUser,
	} {
		if slices.Contains(c.ExtKeyUsage, u) {
			return nil
		}
	}
	for _, o := range c.UnknownExtKeyUsage {
		if o.Equal(oidEKUIPsecIKE) || o.Equal(oidEKUIKEIntermediate) {
			return nil
		}
	}
	return fmt.Errorf("%w: %q has no extended key usage for IKE", ErrCertKeyUsage, c.Subject.String())
}

// CheckGatewayUsage applies what RFC 4945 §5.1.3.12 leaves to local
// policy, as strongSwan and Windows clients do: the certificate of the
// gateway a client connects to must, when it has an extended key usage
// extension at all, allow TLS server authentication, iKEIntermediate or
// any usage. Otherwise a client certificate from the same CA (clientAuth)
// would let any user of that CA pose as the gateway to the others. A
// certificate without the extension stays acceptable. The error wraps
// ErrCertKeyUsage.
func CheckGatewayUsage(c *x509.Certificate) error {
	if len(c.ExtKeyUsage) == 0 && len(c.UnknownExtKeyUsage) == 0 {
		return nil
	}
	if slices.Contains(c.ExtKeyUsage, x509.ExtKeyUsageServerAuth) || slices.Contains(c.ExtKeyUsage, x509.ExtKeyUsageAny) {
		return nil
	}
	for _, o := range c.UnknownExtKeyUsage {
		if o.Equal(oidEKUIKEIntermediate) {
			return nil
		}
	}
	return fmt.Errorf("%w: %q is not a gateway's certificate: its extended key usage has neither serverAuth nor iKEIntermediate", ErrCertKeyUsage, c.Subject.String())
}
