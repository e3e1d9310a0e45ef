package sk

import (
	"crypto/cipher"
	"crypto/hmac"
	"crypto/rand"
	"crypto/subtle"
	"fmt"
	"io"
)

// RFC 7296 §3.14: a random, unpredictable IV, padding to the block size,
// and the ICV over the whole message from the IKE header to the end of the
// encrypted data.
func (c *Cipher) sealCBC(head, plaintext []byte) ([]byte, error) {
	bs := c.block.BlockSize()
	r := c.rand
	if r == nil {
		r = rand.Reader
	}
	out := head
	ivStart := len(out)
	out = append(out, make([]byte, bs)...)
	if _, err := io.ReadFull(r, out[ivStart:]); err != nil {
		return nil, fmt.Errorf("sk: reading IV: %w", err)
	}
	ctStart := len(out)
	padLen := bs - 1 - len(plaintext)%bs
	out = append(out, plaintext...)
	// The padding may hold any value (§3.14); zeros reveal nothing.
	out = append(out, make([]byte, padLen)...)
	out = append(out, byte(padLen))
	cipher.NewCBCEncrypter(c.block, out[ivStart:ctStart]).CryptBlocks(out[ctStart:], out[ctStart:])
	return c.appendICV(out, nil, out), nil
}

func (c *Cipher) openCBC(head, body []byte) ([]byte, error) {
	bs := c.block.BlockSize()
	ctLen := len(body) - bs - c.icvLen
	if ctLen < bs || ctLen%bs != 0 {
		return nil, fmt.Errorf("%w: %d-byte body", ErrMalformed, len(body))
	}
	signed := body[:len(body)-c.icvLen]
	want := c.appendICV(make([]byte, 0, c.icvLen), head, signed)
	if subtle.ConstantTimeCompare(want, body[len(signed):]) != 1 {
		return nil, ErrIntegrity
	}
	pt := make([]byte, ctLen)
	cipher.NewCBCDecrypter(c.block, body[:bs]).CryptBlocks(pt, body[bs:len(signed)])
	return unpad(pt)
}

// appendICV appends the truncated HMAC (RFC 4868 §2.1.1) of a | b to dst.
func (c *Cipher) appendICV(dst, a, b []byte) []byte {
	m := hmac.New(c.integ, c.integKey)
	m.Write(a)
	m.Write(b)
	var sum [64]byte
	return append(dst, m.Sum(sum[:0])[:c.icvLen]...)
}
