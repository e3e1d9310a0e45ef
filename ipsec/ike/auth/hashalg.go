package auth

import (
	"crypto"

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
