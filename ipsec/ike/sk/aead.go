package sk

import (
	"encoding/binary"
	"fmt"

	"github.com/espressovpn/espresso/ipsec/suite"
)

// RFC 5282 §5: the plaintext is the inner payloads, padding and a pad length
// byte. AES-GCM and ChaCha20-Poly1305 need no padding, so it is empty.
func (c *Cipher) sealAEAD(head, plaintext []byte) ([]byte, error) {
	iv := c.iv.Add(1) - 1
	if iv == ^uint64(0) {
		return nil, ErrIVExhausted
	}
	var nonce [4 + suite.AEADIVLen]byte
	copy(nonce[:], c.salt)
	binary.BigEndian.PutUint64(nonce[4:], iv)

	out := append(head, nonce[4:]...)
	n := len(out)
	out = append(out, plaintext...)
	out = append(out, 0) // pad length
	pt := out[n:]
	return c.aead.Seal(out[:n], nonce[:], pt, head), nil
}

func (c *Cipher) openAEAD(head, body []byte) ([]byte, error) {
	if len(body) < suite.AEADIVLen+1+c.aead.Overhead() {
		return nil, fmt.Errorf("%w: %d-byte body", ErrMalformed, len(body))
	}
	var nonce [4 + suite.AEADIVLen]byte
	copy(nonce[:], c.salt)
	copy(nonce[4:], body[:suite.AEADIVLen])
	pt, err := c.aead.Open(nil, nonce[:], body[suite.AEADIVLen:], head)
	if err != nil {
		return nil, ErrIntegrity
	}
	return unpad(pt)
}
