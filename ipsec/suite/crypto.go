package suite

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/sha256"
	"crypto/sha512"
	"fmt"
	"hash"

	"golang.org/x/crypto/chacha20poly1305"
)

// AEADSaltLen is the length of the implicit nonce part ("salt") taken from the
// end of the key material of every AEAD here: RFC 4106 §8.1 (GCM) and RFC 7634
// §2 (ChaCha20-Poly1305).
const AEADSaltLen = 4

// AEADIVLen is the length of the explicit IV carried in each packet or SK
// payload for every AEAD here (RFC 4106 §3.1, RFC 7634 §2).
const AEADIVLen = 8

// AEADICVLen is the integrity check value length of every AEAD here.
const AEADICVLen = 16

// IsAEAD reports whether t is a combined-mode cipher (RFC 5282).
func IsAEAD(t Transform) bool {
	return t.Type == TypeEncr && (t.ID == EncrAESGCM16 || t.ID == EncrChaCha20Poly1305)
}

// AEADKeyLen returns the key and salt lengths of an AEAD transform; the key
// material drawn for it is keyLen+saltLen bytes with the salt last (RFC 4106
// §8.1, RFC 7634 §2, RFC 5282 §7.1 for IKE).
func AEADKeyLen(t Transform) (keyLen, saltLen int, ok bool) {
	switch {
	case t.Type != TypeEncr:
		return 0, 0, false
	case t.ID == EncrAESGCM16 && validAESBits(t.KeyBits):
		return t.KeyBits / 8, AEADSaltLen, true
	case t.ID == EncrChaCha20Poly1305 && t.KeyBits == 0:
		return chacha20poly1305.KeySize, AEADSaltLen, true
	}
	return 0, 0, false
}

// EncrKeyMatLen returns how many bytes of key material an encryption transform
// consumes: the cipher key plus, for an AEAD, its salt.
func EncrKeyMatLen(t Transform) (int, bool) {
	if k, s, ok := AEADKeyLen(t); ok {
		return k + s, true
	}
	if t.Type == TypeEncr && t.ID == EncrAESCBC && validAESBits(t.KeyBits) {
		return t.KeyBits / 8, true
	}
	return 0, false
}

// SplitAEADKey splits AEAD key material into the cipher key and the salt.
func SplitAEADKey(t Transform, keymat []byte) (key, salt []byte, err error) {
	k, s, ok := AEADKeyLen(t)
	if !ok {
		return nil, nil, fmt.Errorf("suite: %v is not an AEAD", t)
	}
	if len(keymat) != k+s {
		return nil, nil, fmt.Errorf("suite: %v needs %d bytes of key material, got %d", t, k+s, len(keymat))
	}
	return keymat[:k], keymat[k:], nil
}

// NewAEAD returns the AEAD for t keyed with key, the cipher key alone (without
// the salt; see SplitAEADKey). Its nonce is 12 bytes: salt followed by the
// 8-byte explicit IV (RFC 4106 §4, RFC 7634 §2).
func NewAEAD(t Transform, key []byte) (cipher.AEAD, error) {
	k, _, ok := AEADKeyLen(t)
	if !ok {
		return nil, fmt.Errorf("suite: %v is not a supported AEAD", t)
	}
	if len(key) != k {
		return nil, fmt.Errorf("suite: %v needs a %d-byte key, got %d", t, k, len(key))
	}
	if t.ID == EncrChaCha20Poly1305 {
		return chacha20poly1305.New(key)
	}
	b, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	return cipher.NewGCM(b)
}

// NewBlock returns the AES block cipher for an AES-CBC transform (RFC 3602).
func NewBlock(t Transform, key []byte) (cipher.Block, error) {
	if t.Type != TypeEncr || t.ID != EncrAESCBC || !validAESBits(t.KeyBits) {
		return nil, fmt.Errorf("suite: %v is not a supported block cipher", t)
	}
	if len(key) != t.KeyBits/8 {
		return nil, fmt.Errorf("suite: %v needs a %d-byte key, got %d", t, t.KeyBits/8, len(key))
	}
	return aes.NewCipher(key)
}

// CBCIVLen is the IV length of AES-CBC (RFC 3602 §3).
const CBCIVLen = aes.BlockSize

// IntegKeyLen returns the key length of an integrity algorithm (RFC 4868 §2.1.1),
// or 0 if id is not supported.
func IntegKeyLen(id TransformID) int {
	switch id {
	case IntegHMACSHA2_256_128:
		return 32
	case IntegHMACSHA2_384_192:
		return 48
	case IntegHMACSHA2_512_256:
		return 64
	}
	return 0
}

// IntegICVLen returns the truncated ICV length of an integrity algorithm
// (RFC 4868 §2.1.1: half the hash output), or 0 if id is not supported.
func IntegICVLen(id TransformID) int {
	return IntegKeyLen(id) / 2
}

// NewIntegHash returns the hash under the HMAC of an integrity algorithm, or nil
// if id is not supported.
func NewIntegHash(id TransformID) func() hash.Hash {
	switch id {
	case IntegHMACSHA2_256_128:
		return sha256.New
	case IntegHMACSHA2_384_192:
		return sha512.New384
	case IntegHMACSHA2_512_256:
		return sha512.New
	}
	return nil
}

// PRFHash returns the hash under the HMAC of a PRF (RFC 4868 §2.1.2).
func PRFHash(id TransformID) (func() hash.Hash, error) {
	switch id {
	case PRFHMACSHA2_256:
		return sha256.New, nil
	case PRFHMACSHA2_384:
		return sha512.New384, nil
	case PRFHMACSHA2_512:
		return sha512.New, nil
	}
	return nil, fmt.Errorf("suite: unsupported PRF %d", id)
}

// PRFKeyLen returns the preferred key length of a PRF, its output size
// (RFC 7296 §2.13, RFC 4868 §2.1.2), or 0 if id is not supported.
func PRFKeyLen(id TransformID) int {
	h, err := PRFHash(id)
	if err != nil {
		return 0
	}
	return h().Size()
}

func validAESBits(b int) bool { return b == 128 || b == 192 || b == 256 }
