package auth

import (
	"crypto"
	"encoding/binary"
	"fmt"
)

// HashAlgorithm is a value of the SIGNATURE_HASH_ALGORITHMS notify (RFC 7427
// §4, IANA "IKEv2 Hash Algorithms").
type HashAlgorithm uint16

// Hash algorithms of RFC 7427 §4 and RFC 8420.
const (
	HashSHA1     HashAlgorithm = 1
	HashSHA2_256 HashAlgorithm = 2
	HashSHA2_384 HashAlgorithm = 3
	HashSHA2_512 HashAlgorithm = 4
	HashIdentity HashAlgorithm = 5 // RFC 8420, for EdDSA
)

// SupportedHashes are the hashes this implementation signs and verifies
// with under RFC 7427, in order of preference; it announces them in its
// SIGNATURE_HASH_ALGORITHMS notify. SHA-1 is left out on purpose.
var SupportedHashes = []HashAlgorithm{HashSHA2_256, HashSHA2_384, HashSHA2_512}

// Crypto returns the crypto.Hash of a hash algorithm, or 0 if it has none
// usable here.
func (h HashAlgorithm) Crypto() crypto.Hash {
	switch h {
	case HashSHA2_256:
		return crypto.SHA256
	case HashSHA2_384:
		return crypto.SHA384
	case HashSHA2_512:
		return crypto.SHA512
	}
	return 0
}

// AppendHashAlgorithms appends the notification data of a
// SIGNATURE_HASH_ALGORITHMS notify: each value as two octets (RFC 7427 §4).
func AppendHashAlgorithms(b []byte, hs []HashAlgorithm) []byte {
	for _, h := range hs {
		b = binary.BigEndian.AppendUint16(b, uint16(h))
	}
	return b
}

// ParseHashAlgorithms parses the data of a SIGNATURE_HASH_ALGORITHMS notify.
func ParseHashAlgorithms(data []byte) ([]HashAlgorithm, error) {
	if len(data)%2 != 0 {
		return nil, fmt.Errorf("%w: SIGNATURE_HASH_ALGORITHMS of %d octets", ErrMalformed, len(data))
	}
	hs := make([]HashAlgorithm, 0, len(data)/2)
	for i := 0; i < len(data); i += 2 {
		hs = append(hs, HashAlgorithm(binary.BigEndian.Uint16(data[i:])))
	}
	return hs, nil
}

// ChooseHash returns the first of SupportedHashes the peer announced, the
// hash to sign with under RFC 7427. ok is false when there is none in common
// and the peer did not announce RFC 7427 support usefully.
func ChooseHash(peer []HashAlgorithm) (h crypto.Hash, ok bool) {
	for _, ours := range SupportedHashes {
		for _, theirs := range peer {
			if ours == theirs {
				return ours.Crypto(), true
			}
		}
	}
	return 0, false
}
