package wire

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"fmt"
	"slices"
	"sync"
	"testing"

	"github.com/espressovpn/espresso/ipsec/ike/internal/kat"
)

// The strongSwan 5.9.8 captures of ike/internal/kat: a client (192.0.2.2) and a
// gateway (192.0.2.1) negotiating aes128gcm16-prfsha256-x25519, with the
// client's charon log at level 4, which dumps the IKE SA keys.
var captures = []string{"psk", "cert"}

// Sizes of the IKE SA's AES-GCM-16 with a 128-bit key (RFC 5282 §3, §7.1):
// the 8-byte explicit IV, the 16-byte ICV and the 4-byte salt at the end of
// SK_e.
const (
	gcmIVLen   = 8
	gcmICVLen  = 16
	gcmSaltLen = 4
)

// captured is one IKE message of a capture.
type captured struct {
	file  string
	index int    // position among the capture's IKE messages
	raw   []byte // the message as sent, without the non-ESP marker
	msg   *Message
	// inner holds the decrypted payload chain of an SK message, or of the
	// message reassembled from SKF fragments on the last fragment; plain is
	// its plaintext with the padding removed.
	inner     Payloads
	plain     []byte
	decrypted bool
}

var loadCaptures = sync.OnceValues(func() ([]*captured, error) {
	var all []*captured
	for _, name := range captures {
		ms, err := readCapture(name)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		all = append(all, ms...)
	}
	return all, nil
})

// testCaptures returns the IKE messages of every capture, parsed, with the
// encrypted ones decrypted using the keys of the client's log.
func testCaptures(tb testing.TB) []*captured {
	tb.Helper()
	ms, err := loadCaptures()
	if err != nil {
		tb.Fatal(err)
	}
	return ms
}

func readCapture(name string) ([]*captured, error) {
	raws, err := kat.Messages(name)
	if err != nil {
		return nil, err
	}
	keys, err := ikeKeys(name)
	if err != nil {
		return nil, err
	}
	var out []*captured
	var spis []uint64 // SPIi of each IKE SA, in order of appearance
	var frags [][]byte
	fragFirst := PayloadNone
	for _, raw := range raws {
		c := &captured{file: name, index: len(out), raw: raw}
		out = append(out, c)
		if c.msg, err = ParseMessage(raw); err != nil {
			return nil, fmt.Errorf("message %d: %w", c.index, err)
		}
		last := c.msg.Payloads[len(c.msg.Payloads)-1]
		if last.Type() != PayloadSK && last.Type() != PayloadSKF {
			continue
		}
		if !slices.Contains(spis, c.msg.Header.SPIi) {
			spis = append(spis, c.msg.Header.SPIi)
		}
		sa := slices.Index(spis, c.msg.Header.SPIi)
		if sa >= len(keys) {
			return nil, fmt.Errorf("message %d: no keys for IKE SA %d", c.index, sa)
		}
		key := keys[sa].er
		if c.msg.Header.IsInitiator() {
			key = keys[sa].ei
		}
		plain, err := openGCM(raw, key)
		if err != nil {
			return nil, fmt.Errorf("message %d: %w", c.index, err)
		}
		first := PayloadNone
		switch p := last.(type) {
		case *Encrypted:
			first = p.FirstPayload
		case *EncryptedFragment:
			// RFC 7383 §2.6: the receiver decrypts each fragment and
			// joins the plaintexts in fragment-number order; the
			// captures deliver them in order.
			if p.Number == 1 {
				fragFirst = p.FirstPayload
			}
			frags = append(frags, plain)
			if p.Number != p.Total {
				continue
			}
			plain = bytes.Join(frags, nil)
			frags = nil
			first = fragFirst
		}
		if c.inner, err = ParsePayloads(first, plain); err != nil {
			return nil, fmt.Errorf("message %d: inner payloads: %w", c.index, err)
		}
		c.plain, c.decrypted = plain, true
	}
	return out, nil
}

// openGCM decrypts the SK or SKF payload of msg with AES-GCM-16 and returns
// the inner payloads without padding (RFC 5282 §3, §5).
func openGCM(msg, ske []byte) ([]byte, error) {
	s, err := SplitSealed(msg, gcmIVLen, gcmICVLen)
	if err != nil {
		return nil, err
	}
	block, err := aes.NewCipher(ske[:len(ske)-gcmSaltLen])
	if err != nil {
		return nil, err
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	nonce := append(slices.Clone(ske[len(ske)-gcmSaltLen:]), s.IV...)
	sealed := append(slices.Clone(s.Ciphertext), s.ICV...)
	plain, err := aead.Open(nil, nonce, sealed, s.AAD)
	if err != nil {
		return nil, fmt.Errorf("decryption failed")
	}
	pad := int(plain[len(plain)-1])
	if pad+1 > len(plain) {
		return nil, fmt.Errorf("pad length %d of %d bytes", pad, len(plain))
	}
	return plain[:len(plain)-1-pad], nil
}

type saKeys struct{ ei, er []byte }

// ikeKeys returns the SK_ei and SK_er of each IKE SA of a capture's client
// charon log, in the order the log derives them.
func ikeKeys(capture string) ([]saKeys, error) {
	ei, err := kat.LogHex(capture, "Sk_ei secret")
	if err != nil {
		return nil, err
	}
	er, err := kat.LogHex(capture, "Sk_er secret")
	if err != nil {
		return nil, err
	}
	if len(ei) != len(er) || len(ei) == 0 {
		return nil, fmt.Errorf("%s: %d SK_ei and %d SK_er", capture, len(ei), len(er))
	}
	keys := make([]saKeys, len(ei))
	for i := range ei {
		keys[i] = saKeys{ei[i], er[i]}
	}
	return keys, nil
}

// bodies returns the encoded bodies of every payload of type t in the
// captures, cleartext and decrypted: seeds for the fuzz targets.
func bodies(tb testing.TB, t PayloadType) [][]byte {
	var out [][]byte
	for _, c := range testCaptures(tb) {
		for _, p := range slices.Concat(c.msg.Payloads, c.inner) {
			if p.Type() != t {
				continue
			}
			b, err := p.AppendBody(nil)
			if err != nil {
				tb.Fatal(err)
			}
			out = append(out, b)
		}
	}
	return out
}
