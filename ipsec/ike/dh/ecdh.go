package dh

import (
	"crypto/ecdh"
	"errors"
	"fmt"
	"io"

	"github.com/espressovpn/espresso/ipsec/suite"
)

// maxScalarTries bounds the rejection sampling of NIST scalars. A random
// 256- or 384-bit string is out of range with probability below 2^-32, so
// reaching the bound means the random source is broken.
const maxScalarTries = 64

// ecdhKey is a key of Curve25519 (RFC 8031) or of a NIST ECP group (RFC 5903).
type ecdhKey struct {
	group  suite.TransformID
	curve  ecdh.Curve
	priv   *ecdh.PrivateKey
	public []byte
}

func curveOf(group suite.TransformID) (ecdh.Curve, int) {
	switch group {
	case suite.GroupCurve25519:
		return ecdh.X25519(), 32
	case suite.GroupECP256:
		return ecdh.P256(), 32
	case suite.GroupECP384:
		return ecdh.P384(), 48
	}
	return nil, 0
}

// generateECDH draws the private scalar from rand itself (rather than through
// ecdh.Curve.GenerateKey) so that the caller's reader is honoured, which the
// tests rely on for reproducible keys.
func generateECDH(group suite.TransformID, rand io.Reader) (*ecdhKey, error) {
	_, n := curveOf(group)
	buf := make([]byte, n)
	defer clear(buf)
	for range maxScalarTries {
		if _, err := io.ReadFull(rand, buf); err != nil {
			return nil, fmt.Errorf("dh: reading random scalar: %w", err)
		}
		k, err := newECDH(group, buf)
		if err == nil {
			return k, nil
		}
	}
	return nil, errors.New("dh: random source produced no valid scalar")
}

// newECDH builds a key from a raw private scalar (RFC 5903 §8 and RFC 7748
// §6.1 give known-answer vectors in this form).
func newECDH(group suite.TransformID, scalar []byte) (*ecdhKey, error) {
	curve, _ := curveOf(group)
	if curve == nil {
		return nil, fmt.Errorf("%w: %d", ErrUnsupportedGroup, group)
	}
	priv, err := curve.NewPrivateKey(scalar)
	if err != nil {
		return nil, fmt.Errorf("dh: private scalar: %w", err)
	}
	pub := priv.PublicKey().Bytes()
	if group != suite.GroupCurve25519 {
		// RFC 5903 §7: the KE data is x | y without the SEC1 0x04 prefix.
		pub = pub[1:]
	}
	return &ecdhKey{group: group, curve: curve, priv: priv, public: pub}, nil
}

func (k *ecdhKey) Group() suite.TransformID { return k.group }

func (k *ecdhKey) PublicKey() []byte { return k.public }

func (k *ecdhKey) SharedSecret(peer []byte) ([]byte, error) {
	if k.priv == nil {
		return nil, ErrZeroized
	}
	if want := PublicKeyLen(k.group); len(peer) != want {
		return nil, &InvalidPublicKeyError{Group: k.group, Reason: fmt.Sprintf("length %d, want %d", len(peer), want)}
	}
	data := peer
	if k.group != suite.GroupCurve25519 {
		data = make([]byte, 1+len(peer))
		data[0] = 4
		copy(data[1:], peer)
	}
	// NewPublicKey checks that a NIST point is on the curve and not the
	// point at infinity (RFC 5903 §7, RFC 6989 §2.3).
	pub, err := k.curve.NewPublicKey(data)
	if err != nil {
		return nil, &InvalidPublicKeyError{Group: k.group, Reason: "not a point of the group"}
	}
	// For Curve25519 ECDH rejects an all-zero result, the check RFC 8031 §2
	// requires against low-order points. For ECP groups the secret is the
	// x coordinate (RFC 5903 §7).
	s, err := k.priv.ECDH(pub)
	if err != nil {
		return nil, &InvalidPublicKeyError{Group: k.group, Reason: "low-order point"}
	}
	return s, nil
}

// Zero drops the private key. crypto/ecdh keeps the scalar inside an opaque
// value that cannot be overwritten from outside; releasing the only reference
// is the most this package can do.
func (k *ecdhKey) Zero() { k.priv = nil }
