// Package dh implements the IKEv2 key exchange methods (transform type 4):
// Curve25519 (RFC 8031), the NIST ECP groups 19 and 20 (RFC 5903) and the
// MODP groups 14 and 15 (RFC 3526).
//
// A KeyExchange holds one ephemeral private key. Its public value is the Key
// Exchange Data of the KE payload (RFC 7296 §3.4), and SharedSecret turns the
// peer's Key Exchange Data into g^ir as RFC 7296 §2.14 feeds it to the PRF.
package dh

import (
	"errors"
	"fmt"
	"io"

	"github.com/espressovpn/espresso/ipsec/suite"
)

// KeyExchange is one side's ephemeral key of a key exchange method.
// It is not safe for concurrent use.
type KeyExchange interface {
	// Group returns the key exchange method ID (RFC 7296 §3.3.2, type 4).
	Group() suite.TransformID
	// PublicKey returns the Key Exchange Data for the KE payload
	// (RFC 7296 §3.4). The caller must not modify it.
	PublicKey() []byte
	// SharedSecret computes g^ir from the peer's Key Exchange Data. It
	// returns an *InvalidPublicKeyError when the data has the wrong length
	// or is not a valid public value of the group.
	SharedSecret(peer []byte) ([]byte, error)
	// Zero overwrites the private key. The KeyExchange is unusable after.
	Zero()
}

// ErrUnsupportedGroup is returned by Generate for a method this package does
// not implement; the IKE layer answers with INVALID_KE_PAYLOAD or NO_PROPOSAL_CHOSEN.
var ErrUnsupportedGroup = errors.New("dh: unsupported key exchange method")

// ErrZeroized is returned by SharedSecret after Zero.
var ErrZeroized = errors.New("dh: private key already zeroed")

// InvalidPublicKeyError reports a peer's Key Exchange Data that is not a
// valid public value of the group (RFC 7296 §3.4, RFC 5903 §7, RFC 8031 §2).
type InvalidPublicKeyError struct {
	Group  suite.TransformID
	Reason string
}

func (e *InvalidPublicKeyError) Error() string {
	return fmt.Sprintf("dh: invalid public value for group %d: %s", e.Group, e.Reason)
}

// Generate creates a fresh private key for the given key exchange method,
// drawing randomness from rand (crypto/rand.Reader in production).
func Generate(group suite.TransformID, rand io.Reader) (KeyExchange, error) {
	switch group {
	case suite.GroupCurve25519, suite.GroupECP256, suite.GroupECP384:
		return generateECDH(group, rand)
	case suite.GroupMODP2048, suite.GroupMODP3072:
		return generateMODP(group, rand)
	}
	return nil, fmt.Errorf("%w: %d", ErrUnsupportedGroup, group)
}

// PublicKeyLen returns the length of the Key Exchange Data of a group, so the
// message layer can reject a KE payload of the wrong size before any
// arithmetic. It returns 0 for an unsupported group.
func PublicKeyLen(group suite.TransformID) int {
	switch group {
	case suite.GroupCurve25519:
		return 32
	case suite.GroupECP256:
		return 64
	case suite.GroupECP384:
		return 96
	case suite.GroupMODP2048:
		return 256
	case suite.GroupMODP3072:
		return 384
	}
	return 0
}

// Supported reports whether Generate implements the group.
func Supported(group suite.TransformID) bool { return PublicKeyLen(group) != 0 }
