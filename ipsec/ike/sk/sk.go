// Package sk seals and opens the body of the IKEv2 Encrypted payload (SK,
// RFC 7296 §3.14) and of the Encrypted Fragment payload (SKF, RFC 7383
// §2.5), with AES-GCM-16 (RFC 5282), ChaCha20-Poly1305 (RFC 7634) or AES-CBC
// with an HMAC-SHA2 integrity algorithm (RFC 3602, RFC 4868).
//
// The message layer encodes everything in front of the payload body — the
// IKE header, any cleartext payloads, the payload's generic header and, for
// SKF, the fragment number and total — with the final lengths (BodyLen gives
// the body's length), and passes those bytes as head. Seal appends the body
// to head; Open checks and decrypts a received body. head is authenticated:
// it is the AEAD's associated data (RFC 5282 §5.1, RFC 7383 §2.5), or the
// start of the octets the ICV covers (RFC 7296 §3.14).
//
// A sender that lays the whole message out first, with a body-sized
// placeholder as the payload's data, seals in place with
// Seal(msg[:len(msg)-BodyLen(n)], plaintext): the body is appended into the
// placeholder's room.
package sk

import (
	"crypto/cipher"
	"errors"
	"fmt"
	"hash"
	"io"
	"sync/atomic"

	"github.com/espressovpn/espresso/ipsec/suite"
)

// ErrIntegrity means the body failed its integrity check: the message was
// altered, or the keys do not match. RFC 7296 §2.21.1: such a message is
// dropped without reply.
var ErrIntegrity = errors.New("sk: integrity check failed")

// ErrMalformed means the body cannot be a sealed body of this cipher: too
// short, not a whole number of blocks, or padding longer than the plaintext.
var ErrMalformed = errors.New("sk: malformed encrypted payload")

// ErrIVExhausted is returned by Seal once an AEAD Cipher has used every IV;
// the IKE SA must be rekeyed long before.
var ErrIVExhausted = errors.New("sk: explicit IV space exhausted")

// Cipher protects one direction of an IKE SA: build one with SK_ei/SK_ai to
// seal what the initiator sends and open it at the responder, and one with
// SK_er/SK_ar for the other direction. A Cipher is safe for concurrent use.
type Cipher struct {
	// AEAD suites.
	aead cipher.AEAD
	salt []byte
	iv   atomic.Uint64 // next explicit IV (RFC 5282 §3.1: unique per key)

	// AES-CBC with HMAC.
	block    cipher.Block
	integ    func() hash.Hash
	integKey []byte
	icvLen   int
	rand     io.Reader
}

// New returns a Cipher for the negotiated encryption and integrity
// transforms. For an AEAD, integ must be the zero Transform, integKey empty
// and encrKey the cipher key followed by the 4-byte salt (SK_e* as keymat
// derives them). rand supplies CBC IVs; nil means crypto/rand.
func New(encr, integ suite.Transform, encrKey, integKey []byte, rand io.Reader) (*Cipher, error) {
	if suite.IsAEAD(encr) {
		if integ.ID != 0 || len(integKey) != 0 {
			return nil, fmt.Errorf("sk: integrity transform with AEAD %v", encr)
		}
		key, salt, err := suite.SplitAEADKey(encr, encrKey)
		if err != nil {
			return nil, fmt.Errorf("sk: %w", err)
		}
		a, err := suite.NewAEAD(encr, key)
		if err != nil {
			return nil, fmt.Errorf("sk: %w", err)
		}
		return &Cipher{aead: a, salt: append([]byte(nil), salt...)}, nil
	}
	b, err := suite.NewBlock(encr, encrKey)
	if err != nil {
		return nil, fmt.Errorf("sk: %w", err)
	}
	h := suite.NewIntegHash(integ.ID)
	if integ.Type != suite.TypeInteg || h == nil {
		return nil, fmt.Errorf("sk: unsupported integrity transform %v", integ)
	}
	if len(integKey) != suite.IntegKeyLen(integ.ID) {
		return nil, fmt.Errorf("sk: %v needs a %d-byte key, got %d", integ, suite.IntegKeyLen(integ.ID), len(integKey))
	}
	c := &Cipher{
		block:    b,
		integ:    h,
		integKey: append([]byte(nil), integKey...),
		icvLen:   suite.IntegICVLen(integ.ID),
		rand:     rand,
	}
	return c, nil
}

// BodyLen returns the length of the sealed body for n bytes of plaintext:
// IV, encrypted plaintext with padding and pad length, and ICV.
func (c *Cipher) BodyLen(n int) int {
	if c.aead != nil {
		return suite.AEADIVLen + n + 1 + c.aead.Overhead()
	}
	bs := c.block.BlockSize()
	return bs + (n/bs+1)*bs + c.icvLen
}

// IVLen returns the length of the IV at the start of the body.
func (c *Cipher) IVLen() int {
	if c.aead != nil {
		return suite.AEADIVLen
	}
	return c.block.BlockSize()
}

// ICVLen returns the length of the integrity check value ending the body.
func (c *Cipher) ICVLen() int {
	if c.aead != nil {
		return c.aead.Overhead()
	}
	return c.icvLen
}

// Seal encrypts plaintext (the inner payloads) and returns head with the
// body appended. head must already carry the final lengths, since it is
// authenticated.
func (c *Cipher) Seal(head, plaintext []byte) ([]byte, error) {
	if c.aead != nil {
		return c.sealAEAD(head, plaintext)
	}
	return c.sealCBC(head, plaintext)
}

// Open checks and decrypts body, the bytes after head up to the end of the
// payload, and returns the inner payloads with padding removed, in a new
// slice. It never panics; errors wrap ErrIntegrity or ErrMalformed.
func (c *Cipher) Open(head, body []byte) ([]byte, error) {
	if c.aead != nil {
		return c.openAEAD(head, body)
	}
	return c.openCBC(head, body)
}

// Wipe overwrites the key material the Cipher keeps itself (the salt and
// the HMAC key). The expanded AES key schedule lives inside crypto/aes,
// which offers no way to erase it; dropping the Cipher releases it.
func (c *Cipher) Wipe() {
	clear(c.salt)
	clear(c.integKey)
}

// unpad strips the padding and the pad length byte (RFC 7296 §3.14).
func unpad(pt []byte) ([]byte, error) {
	if len(pt) == 0 {
		return nil, fmt.Errorf("%w: no pad length", ErrMalformed)
	}
	n := int(pt[len(pt)-1]) + 1
	if n > len(pt) {
		return nil, fmt.Errorf("%w: pad length %d exceeds %d-byte plaintext", ErrMalformed, n-1, len(pt))
	}
	return pt[:len(pt)-n], nil
}
