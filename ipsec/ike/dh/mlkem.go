package dh

import (
	"crypto/mlkem"
	"fmt"
	"io"

	"github.com/espressovpn/espresso/ipsec/suite"
)

// ML-KEM as an IKEv2 key exchange method (draft-ietf-ipsecme-ikev2-mlkem
// §2): the initiator's Key Exchange Data is its encapsulation key, the
// responder's the ciphertext of an encapsulation to it, and the shared
// secret is the 32-byte key of the encapsulation. ML-KEM-512 is not in the
// standard library and so not implemented.

// kemKey is the initiator's decapsulation key.
type kemKey struct {
	group suite.TransformID
	dk768 *mlkem.DecapsulationKey768
	dk1k  *mlkem.DecapsulationKey1024
	pub   []byte
}

// generateKEM derives a decapsulation key from a seed read from rand, so
// that the caller's source decides the key as for the other methods.
func generateKEM(group suite.TransformID, rand io.Reader) (KeyExchange, error) {
	seed := make([]byte, mlkem.SeedSize)
	defer clear(seed)
	if _, err := io.ReadFull(rand, seed); err != nil {
		return nil, fmt.Errorf("dh: %w", err)
	}
	k := &kemKey{group: group}
	var err error
	switch group {
	case suite.KEMLKEM768:
		if k.dk768, err = mlkem.NewDecapsulationKey768(seed); err == nil {
			k.pub = k.dk768.EncapsulationKey().Bytes()
		}
	case suite.KEMLKEM1024:
		if k.dk1k, err = mlkem.NewDecapsulationKey1024(seed); err == nil {
			k.pub = k.dk1k.EncapsulationKey().Bytes()
		}
	default:
		return nil, fmt.Errorf("%w: %d", ErrUnsupportedGroup, group)
	}
	if err != nil {
		return nil, fmt.Errorf("dh: %w", err)
	}
	return k, nil
}

func (k *kemKey) Group() suite.TransformID { return k.group }

// PublicKey returns the encapsulation key.
func (k *kemKey) PublicKey() []byte { return k.pub }

// SharedSecret decapsulates the responder's ciphertext. A ciphertext of
// the right length always yields a secret (FIPS 203 implicit rejection): a
// forged one shows only when the keys derived from it fail.
func (k *kemKey) SharedSecret(ct []byte) ([]byte, error) {
	if k.dk768 == nil && k.dk1k == nil {
		return nil, ErrZeroized
	}
	if len(ct) != ResponseLen(k.group) {
		return nil, &InvalidPublicKeyError{Group: k.group, Reason: fmt.Sprintf("ciphertext of %d bytes, want %d", len(ct), ResponseLen(k.group))}
	}
	var s []byte
	var err error
	if k.dk768 != nil {
		s, err = k.dk768.Decapsulate(ct)
	} else {
		s, err = k.dk1k.Decapsulate(ct)
	}
	if err != nil {
		return nil, &InvalidPublicKeyError{Group: k.group, Reason: err.Error()}
	}
	return s, nil
}

// Zero drops the decapsulation key; crypto/mlkem offers no way to
// overwrite it, so the garbage collector reclaims it.
func (k *kemKey) Zero() { k.dk768, k.dk1k = nil, nil }

// encapsulate answers an encapsulation key with a ciphertext and the
// shared secret.
func encapsulate(group suite.TransformID, ek []byte) (ct, secret []byte, err error) {
	if !Supported(group) {
		return nil, nil, fmt.Errorf("%w: %d", ErrUnsupportedGroup, group)
	}
	if len(ek) != PublicKeyLen(group) {
		return nil, nil, &InvalidPublicKeyError{Group: group, Reason: fmt.Sprintf("encapsulation key of %d bytes, want %d", len(ek), PublicKeyLen(group))}
	}
	switch group {
	case suite.KEMLKEM768:
		k, err := mlkem.NewEncapsulationKey768(ek)
		if err != nil {
			return nil, nil, &InvalidPublicKeyError{Group: group, Reason: err.Error()}
		}
		secret, ct = k.Encapsulate()
	case suite.KEMLKEM1024:
		k, err := mlkem.NewEncapsulationKey1024(ek)
		if err != nil {
			return nil, nil, &InvalidPublicKeyError{Group: group, Reason: err.Error()}
		}
		secret, ct = k.Encapsulate()
	default:
		return nil, nil, fmt.Errorf("%w: %d", ErrUnsupportedGroup, group)
	}
	return ct, secret, nil
}
