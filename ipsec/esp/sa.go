package esp

import (
	"crypto/cipher"
	"crypto/hmac"
	"fmt"
	"hash"
	"sync"

	"github.com/espressovpn/espresso/ipsec/suite"
)

// Params are the algorithms and keys of one SA in one direction, as the IKE
// layer derives them (RFC 7296 §2.17).
type Params struct {
	SPI uint32
	// Encr is the encryption transform (AES-GCM-16, ChaCha20-Poly1305 or
	// AES-CBC).
	Encr suite.Transform
	// Integ is the integrity algorithm; 0 with an AEAD.
	Integ suite.TransformID
	// EncrKey is the cipher key; for an AEAD followed by its 4-byte salt, as
	// drawn from KEYMAT (RFC 4106 §8.1, RFC 7634 §2).
	EncrKey []byte
	// IntegKey is the HMAC key; empty with an AEAD.
	IntegKey []byte
	// ESN selects 64-bit extended sequence numbers (RFC 4303 §2.2.1).
	ESN bool
}

// SA is the cryptographic state of one ESP SA in one direction. It is safe
// for concurrent use: Seal and Open may run on several goroutines at once,
// each with its own Scratch.
type SA struct {
	spi    uint32
	esn    bool
	ivLen  int
	icvLen int
	align  int // the ciphertext is a multiple of this (RFC 4303 §2.4)

	aead cipher.AEAD
	salt [suite.AEADSaltLen]byte

	block   cipher.Block
	cbcPool sync.Pool // *cbcState; HMAC and CBC modes are not concurrent-safe
	integ   func() hash.Hash
	intKey  []byte
}

// cbcState is the per-goroutine state of an AES-CBC + HMAC SA.
type cbcState struct {
	enc cipher.BlockMode
	dec cipher.BlockMode
	mac hash.Hash
}

// ivSetter is implemented by the standard library's CBC modes; resetting the
// IV of a pooled mode avoids allocating one per packet.
type ivSetter interface{ SetIV([]byte) }

// New returns the SA for p. The keys are copied.
func New(p Params) (*SA, error) {
	sa := &SA{spi: p.SPI, esn: p.ESN}
	if p.SPI == 0 {
		// SPI 0 is reserved (RFC 4303 §2.1) and would read as a non-ESP marker.
		return nil, fmt.Errorf("esp: SPI 0 is reserved")
	}
	switch {
	case suite.IsAEAD(p.Encr):
		key, salt, err := suite.SplitAEADKey(p.Encr, p.EncrKey)
		if err != nil {
			return nil, fmt.Errorf("esp: %w", err)
		}
		if p.Integ != 0 {
			return nil, fmt.Errorf("esp: integrity algorithm %d given with AEAD %v", p.Integ, p.Encr)
		}
		if sa.aead, err = suite.NewAEAD(p.Encr, key); err != nil {
			return nil, fmt.Errorf("esp: %w", err)
		}
		copy(sa.salt[:], salt)
		sa.ivLen, sa.icvLen, sa.align = suite.AEADIVLen, suite.AEADICVLen, 4
	case p.Encr.Type == suite.TypeEncr && p.Encr.ID == suite.EncrAESCBC:
		var err error
		if sa.block, err = suite.NewBlock(p.Encr, p.EncrKey); err != nil {
			return nil, fmt.Errorf("esp: %w", err)
		}
		sa.integ = suite.NewIntegHash(p.Integ)
		if sa.integ == nil {
			return nil, fmt.Errorf("esp: unsupported integrity algorithm %d", p.Integ)
		}
		if len(p.IntegKey) != suite.IntegKeyLen(p.Integ) {
			return nil, fmt.Errorf("esp: integrity key is %d bytes, want %d", len(p.IntegKey), suite.IntegKeyLen(p.Integ))
		}
		sa.intKey = append([]byte(nil), p.IntegKey...)
		sa.ivLen, sa.icvLen, sa.align = suite.CBCIVLen, suite.IntegICVLen(p.Integ), suite.CBCIVLen
	default:
		return nil, fmt.Errorf("esp: unsupported encryption transform %v", p.Encr)
	}
	return sa, nil
}

// SPI returns the SA's SPI.
func (sa *SA) SPI() uint32 { return sa.spi }

// ESN reports whether the SA uses extended sequence numbers.
func (sa *SA) ESN() bool { return sa.esn }

// HeaderRoom is the room Seal needs before the payload: header and IV.
func (sa *SA) HeaderRoom() int { return HeaderLen + sa.ivLen }

// TrailerRoom is the most room Seal needs after the payload: padding, pad
// length, next header and ICV.
func (sa *SA) TrailerRoom() int { return sa.align - 1 + 2 + sa.icvLen }

// Overhead returns the ESP overhead for a payload of n bytes.
func (sa *SA) Overhead(n int) int {
	return sa.HeaderRoom() + sa.padLen(n) + 2 + sa.icvLen
}

func (sa *SA) padLen(n int) int {
	return (sa.align - (n+2)%sa.align) % sa.align
}

func (sa *SA) getCBC() *cbcState {
	if st, ok := sa.cbcPool.Get().(*cbcState); ok {
		return st
	}
	var iv [suite.CBCIVLen]byte
	return &cbcState{
		enc: cipher.NewCBCEncrypter(sa.block, iv[:]),
		dec: cipher.NewCBCDecrypter(sa.block, iv[:]),
		mac: hmac.New(sa.integ, sa.intKey),
	}
}

// Scratch is per-goroutine working memory for Seal and Open; keeping it
// with the caller keeps nonces and AADs off the heap.
type Scratch struct {
	nonce [suite.AEADSaltLen + suite.AEADIVLen]byte
	aad   [12]byte
	hi    [4]byte
	iv    [suite.CBCIVLen]byte
	icv   [64]byte
}
