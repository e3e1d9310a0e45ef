// Package keymat derives IKEv2 key material: the PRF and prf+ of RFC 7296
// §2.13, the IKE SA keys of §2.14 (and of a rekeyed IKE SA, §2.18) and the
// Child SA KEYMAT of §2.17.
//
// Every type that holds key material has a Wipe method; the owner of an SA
// calls it when the SA ends.
package keymat

import (
	"crypto/hmac"
	"errors"
	"fmt"
	"hash"

	"github.com/espressovpn/espresso/ipsec/suite"
)

// ErrKeyMatTooLong is returned when more key material is requested than
// prf+ can produce: RFC 7296 §2.13 limits it to 255 PRF outputs.
var ErrKeyMatTooLong = errors.New("keymat: prf+ output limited to 255 blocks")

// PRF is a negotiated pseudorandom function (transform type 2). Only the
// HMAC-based PRFs of RFC 4868 are supported; they accept keys of any length,
// so no key padding rule of RFC 7296 §2.14 applies.
type PRF struct {
	id suite.TransformID
	h  func() hash.Hash
}

// NewPRF returns the PRF for a transform ID.
func NewPRF(id suite.TransformID) (PRF, error) {
	h, err := suite.PRFHash(id)
	if err != nil {
		return PRF{}, fmt.Errorf("keymat: %w", err)
	}
	return PRF{id: id, h: h}, nil
}

// ID returns the PRF's transform ID.
func (p PRF) ID() suite.TransformID { return p.id }

// Size returns the PRF's output length, which is also the length of SK_d,
// SK_pi and SK_pr (RFC 7296 §2.14).
func (p PRF) Size() int { return p.h().Size() }

// Sum returns prf(key, data[0] | data[1] | ...).
func (p PRF) Sum(key []byte, data ...[]byte) []byte {
	m := hmac.New(p.h, key)
	for _, d := range data {
		m.Write(d)
	}
	return m.Sum(nil)
}

// Plus returns the first n bytes of prf+(key, seed) (RFC 7296 §2.13):
// T1 = prf(K, S | 0x01), Tk = prf(K, Tk-1 | S | k), for k up to 255.
func (p PRF) Plus(key, seed []byte, n int) ([]byte, error) {
	size := p.Size()
	if n < 0 || n > 255*size {
		return nil, fmt.Errorf("%w: %d bytes requested, %d possible", ErrKeyMatTooLong, n, 255*size)
	}
	out := make([]byte, 0, n+size)
	m := hmac.New(p.h, key)
	var prev []byte
	for k := 1; len(out) < n; k++ {
		m.Reset()
		m.Write(prev)
		m.Write(seed)
		m.Write([]byte{byte(k)})
		start := len(out)
		out = m.Sum(out)
		prev = out[start:]
	}
	clear(out[n:])
	return out[:n], nil
}
