package auth

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"
	"fmt"
	"slices"

	"github.com/espressovpn/espresso/ipsec/ike/wire"
)

// SupportedHashes are the hashes of the SIGNATURE_HASH_ALGORITHMS notify
// (RFC 7427 §4) this implementation signs and verifies with, in order of
// preference. SHA-1 is left out on purpose. The notify itself is encoded and
// parsed by the wire package (wire.NewSignatureHashAlgorithms,
// wire.Notify.HashAlgorithms).
var SupportedHashes = []wire.HashAlgorithm{wire.HashSHA2_256, wire.HashSHA2_384, wire.HashSHA2_512}

// HashFunc returns the crypto.Hash of a hash algorithm of RFC 7427 §4, or 0
// if it has none usable here.
func HashFunc(h wire.HashAlgorithm) crypto.Hash {
	switch h {
	case wire.HashSHA2_256:
		return crypto.SHA256
	case wire.HashSHA2_384:
		return crypto.SHA384
	case wire.HashSHA2_512:
		return crypto.SHA512
	}
	return 0
}

// ChooseHash returns the first of SupportedHashes the peer announced, the
// hash to sign with under RFC 7427. ok is false when there is none in common
// and the peer did not announce RFC 7427 support usefully.
func ChooseHash(peer []wire.HashAlgorithm) (h crypto.Hash, ok bool) {
	for _, ours := range SupportedHashes {
		for _, theirs := range peer {
			if ours == theirs {
				return HashFunc(ours), true
			}
		}
	}
	return 0, false
}

// AnnouncedHashes is what our SIGNATURE_HASH_ALGORITHMS notify lists: the
// SupportedHashes and the Identity "hash" of RFC 8420 §2, under which we
// verify Ed25519 signatures of the octets themselves.
var AnnouncedHashes = append(slices.Clone(SupportedHashes), wire.HashIdentity)

// Choose picks the AUTH method and options to sign with key for a peer
// that announced peer in SIGNATURE_HASH_ALGORITHMS (nil: no RFC 7427
// support). With RFC 7427 an RSA key signs with the first common hash, an
// ECDSA key with its curve's hash (RFC 4754 pairs them), an Ed25519 key
// under the Identity hash (RFC 8420). Without it ECDSA falls back to
// methods 9 to 11 and RSA to method 1, as strongSwan does; Ed25519 has no
// such method and fails with ErrUnsupportedMethod.
func Choose(key crypto.PublicKey, peer []wire.HashAlgorithm, pss bool) (wire.AuthMethod, SignOptions, error) {
	switch k := key.(type) {
	case *rsa.PublicKey:
		if h, ok := ChooseHash(peer); ok {
			return wire.AuthDigitalSignature, SignOptions{Hash: h, PSS: pss}, nil
		}
		return wire.AuthRSASignature, SignOptions{}, nil
	case *ecdsa.PublicKey:
		for _, m := range []wire.AuthMethod{wire.AuthECDSASHA256P256, wire.AuthECDSASHA384P384, wire.AuthECDSASHA512P521} {
			curve, h, _ := ecdsaMethod(m)
			if k.Curve != curve {
				continue
			}
			for _, theirs := range peer {
				if HashFunc(theirs) == h {
					return wire.AuthDigitalSignature, SignOptions{Hash: h}, nil
				}
			}
			return m, SignOptions{}, nil
		}
		return 0, SignOptions{}, fmt.Errorf("%w: ECDSA on %s", ErrUnsupportedMethod, k.Curve.Params().Name)
	case ed25519.PublicKey:
		if slices.Contains(peer, wire.HashIdentity) {
			return wire.AuthDigitalSignature, SignOptions{}, nil
		}
		return 0, SignOptions{}, fmt.Errorf("%w: the peer does not accept Ed25519 signatures (RFC 8420)", ErrUnsupportedMethod)
	}
	return 0, SignOptions{}, fmt.Errorf("%w: key type %T", ErrUnsupportedMethod, key)
}
