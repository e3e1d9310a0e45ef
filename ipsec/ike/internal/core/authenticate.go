package core

import (
	"crypto/x509"
	"fmt"

	"github.com/espressovpn/espresso/ipsec/ike/auth"
	"github.com/espressovpn/espresso/ipsec/ike/wire"
)

// AuthPayload computes our AUTH payload over our IKE_SA_INIT message, the
// peer's nonce and our identity (RFC 7296 §2.15), and the IntAuth of the
// IKE_INTERMEDIATE exchanges if there were any (RFC 9242 §3.3.2): a MAC keyed by the
// pre-shared key, or a signature with our certificate's key in the method
// the peer understands (RFC 7427 when it announced hashes).
func (d *Machine) AuthPayload(sa *IKESA, initMsg, peerNonce []byte, id wire.Identity) (*wire.Authentication, error) {
	if d.Cfg.LocalAuth == AuthPSK {
		return d.SharedKeyAuth(sa, initMsg, peerNonce, id, d.Cfg.PSK), nil
	}
	ours, _ := sa.keys.skp(sa.Initiator)
	octets := append(auth.SignedOctets(sa.keys.prf, ours, initMsg, peerNonce, id), sa.intAuth()...)
	m, opts, err := auth.Choose(d.Cfg.Key.Public(), sa.PeerHashes, d.Cfg.RSAPSS)
	if err != nil {
		return nil, fmt.Errorf("ike: %w", err)
	}
	sig, err := auth.Sign(d.Rand, d.Cfg.Key, m, opts, octets)
	if err != nil {
		return nil, err
	}
	return &wire.Authentication{Method: m, Data: sig}, nil
}

// SharedKeyAuth is our AUTH payload of the shared key method keyed by key:
// the pre-shared key, or after EAP the MSK (RFC 7296 §2.15, §2.16).
func (d *Machine) SharedKeyAuth(sa *IKESA, initMsg, peerNonce []byte, id wire.Identity, key []byte) *wire.Authentication {
	ours, _ := sa.keys.skp(sa.Initiator)
	octets := append(auth.SignedOctets(sa.keys.prf, ours, initMsg, peerNonce, id), sa.intAuth()...)
	return &wire.Authentication{Method: wire.AuthSharedKeyMIC, Data: auth.SharedKeyMAC(sa.keys.prf, key, octets)}
}

// CheckSharedKeyAuth verifies the peer's AUTH payload of the shared key
// method keyed by key over the peer's IKE_SA_INIT message, our nonce and
// the peer's identity.
func (d *Machine) CheckSharedKeyAuth(sa *IKESA, a *wire.Authentication, initMsg, ourNonce []byte, id wire.Identity, key []byte, what string) error {
	if a == nil {
		return &AuthError{Reason: "no AUTH payload"}
	}
	if a.Method != wire.AuthSharedKeyMIC {
		return &AuthError{Reason: "expected " + what + ", got " + a.Method.String()}
	}
	_, theirs := sa.keys.skp(sa.Initiator)
	octets := append(auth.SignedOctets(sa.keys.prf, theirs, initMsg, ourNonce, id), sa.intAuth()...)
	if err := auth.VerifySharedKeyMAC(sa.keys.prf, key, octets, a.Data); err != nil {
		return &AuthError{Reason: what + " mismatch", Err: err}
	}
	return nil
}

// CheckPeerAuth verifies the peer's identity and AUTH payload (§2.15):
// the identity against the configured one, the certificate chain against
// our CAs and the identity against the certificate, then the signature or
// the pre-shared key MAC over the peer's IKE_SA_INIT message and our nonce.
func (d *Machine) CheckPeerAuth(sa *IKESA, id wire.Identity, ps wire.Payloads, initMsg, ourNonce []byte) error {
	if want := d.Cfg.RemoteID; want.IDType != 0 {
		if err := auth.MatchIdentity(want, id); err != nil {
			return &IdentityMismatchError{Want: formatIdentity(want), Got: formatIdentity(id), Err: err}
		}
	}
	a, _ := wire.First[*wire.Authentication](ps)
	if d.Cfg.RemoteAuth == AuthPSK {
		return d.CheckSharedKeyAuth(sa, a, initMsg, ourNonce, id, d.Cfg.PSK, "a pre-shared key")
	}
	if a == nil {
		return &AuthError{Reason: "no AUTH payload"}
	}
	leaf, err := d.peerCertificate(ps)
	if err != nil {
		return err
	}
	if err := auth.MatchCertificate(id, leaf); err != nil {
		return &IdentityMismatchError{Want: formatIdentity(d.Cfg.RemoteID), Got: formatIdentity(id), InCert: true, Err: err}
	}
	if err := auth.CheckMethod(a.Method, sa.PeerHashes); err != nil {
		return &AuthError{Reason: err.Error(), Err: err}
	}
	_, theirs := sa.keys.skp(sa.Initiator)
	octets := append(auth.SignedOctets(sa.keys.prf, theirs, initMsg, ourNonce, id), sa.intAuth()...)
	if err := auth.Verify(leaf.PublicKey, a.Method, octets, a.Data); err != nil {
		return &AuthError{Reason: err.Error(), Err: err}
	}
	return nil
}

// peerCertificate returns the peer's end-entity certificate, the first
// CERT payload (RFC 7296 §3.6), once its chain, with the other CERT
// payloads as intermediates, leads to one of our CAs and it may sign for
// IKE. Failures are *CertificateError wrapping auth's reason.
func (d *Machine) peerCertificate(ps wire.Payloads) (*x509.Certificate, error) {
	var certs []*x509.Certificate
	for _, p := range ps {
		c, ok := p.(*wire.Certificate)
		if !ok || c.Encoding != wire.CertX509Signature {
			continue
		}
		x, err := x509.ParseCertificate(c.Data)
		if err != nil {
			return nil, &CertificateError{Err: fmt.Errorf("%w: %v", auth.ErrCertUntrusted, err)}
		}
		certs = append(certs, x)
	}
	if len(certs) == 0 {
		return nil, &CertificateError{Err: fmt.Errorf("%w: the peer sent no certificate", auth.ErrCertUntrusted)}
	}
	roots := x509.NewCertPool()
	for _, c := range d.Cfg.CAs {
		roots.AddCert(c)
	}
	if err := auth.VerifyChain(certs[0], certs[1:], roots, d.Clock.Now()); err != nil {
		return nil, &CertificateError{Err: err}
	}
	if !d.Cfg.responder {
		// The peer is the gateway: a user's certificate will not do.
		if err := auth.CheckGatewayUsage(certs[0]); err != nil {
			return nil, &CertificateError{Err: err}
		}
	}
	return certs[0], nil
}
