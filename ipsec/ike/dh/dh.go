// Package dh implements the IKEv2 key exchange methods (transform type 4):
// Curve25519 (RFC 8031), the NIST ECP groups 19 and 20 (RFC 5903), the
// MODP groups 14 and 15 (RFC 3526), and the key encapsulation mechanisms
// ML-KEM-768 and ML-KEM-1024 (FIPS 203, draft-ietf-ipsecme-ikev2-mlkem).
//
// The two kinds differ in the responder's part. A Diffie-Hellman
// responder sends a public value of its own; a KEM responder sends a
// ciphertext encapsulated to the initiator's key. Hence the two roles:
// the initiator Generates a KeyExchange, whose PublicKey is its Key
// Exchange Data (RFC 7296 §3.4, the "key share") and whose SharedSecret
// turns the responder's Key Exchange Data into the shared secret; the
// responder calls Respond with the initiator's Key Exchange Data and gets
// its own and the shared secret at once. The shared secret is what RFC 7296
// §2.14 calls g^ir and RFC 9370 §2.2.2 SK(n).
package dh

import (
	"crypto/mlkem"
	"errors"
	"fmt"
	"io"

	"github.com/espressovpn/espresso/ipsec/suite"
)

// KeyExchange is the initiator's ephemeral key of a key exchange method
// (for Diffie-Hellman either side's). It is not safe for concurrent use.
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
	case suite.KEMLKEM768, suite.KEMLKEM1024:
		return generateKEM(group, rand)
	}
	return nil, fmt.Errorf("%w: %d", ErrUnsupportedGroup, group)
}

// Respond is the responder's part of a key exchange: from the initiator's
// Key Exchange Data it computes its own and the shared secret. For a
// Diffie-Hellman group that is a fresh key pair; for ML-KEM an
// encapsulation to the initiator's key. Data of the wrong length or not a
// valid key gives an *InvalidPublicKeyError.
func Respond(group suite.TransformID, peer []byte, rand io.Reader) (data, secret []byte, err error) {
	if suite.IsKEM(group) {
		return encapsulate(group, peer)
	}
	k, err := Generate(group, rand)
	if err != nil {
		return nil, nil, err
	}
	defer k.Zero()
	secret, err = k.SharedSecret(peer)
	if err != nil {
		return nil, nil, err
	}
	return k.PublicKey(), secret, nil
}

// PublicKeyLen returns the length of the initiator's Key Exchange Data of a
// method, so the message layer can reject a KE payload of the wrong size
// before any arithmetic. It returns 0 for an unsupported method.
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
	case suite.KEMLKEM768:
		return mlkem.EncapsulationKeySize768
	case suite.KEMLKEM1024:
		return mlkem.EncapsulationKeySize1024
	}
	return 0
}

// ResponseLen returns the length of the responder's Key Exchange Data of a
// method: the public value for Diffie-Hellman, the ciphertext for ML-KEM.
// It returns 0 for an unsupported method.
func ResponseLen(group suite.TransformID) int {
	switch group {
	case suite.KEMLKEM768:
		return mlkem.CiphertextSize768
	case suite.KEMLKEM1024:
		return mlkem.CiphertextSize1024
	}
	return PublicKeyLen(group)
}

// Supported reports whether Generate implements the group.
func Supported(group suite.TransformID) bool { return PublicKeyLen(group) != 0 }
