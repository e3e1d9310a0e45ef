package sk

import (
	"testing"

	"github.com/espressovpn/espresso/ipsec/ike/internal/kat"
	"github.com/espressovpn/espresso/ipsec/suite"
)

// FuzzOpen feeds arbitrary heads and bodies to every suite's Open, seeded
// with the sealed payloads of the strongSwan captures. Open must never
// panic, and anything it accepts must be a plaintext the body can hold.
func FuzzOpen(f *testing.F) {
	for _, name := range []string{"psk", "cert"} {
		for _, m := range kat.IKEMessages(f, name)[2:] {
			s := kat.FindSealed(f, m)
			f.Add(uint8(0), s.Head, s.Body)
		}
	}
	ciphers := make([]*Cipher, len(allSuites))
	for i, s := range allSuites {
		seal, open := newPair(f, s, 6)
		ciphers[i] = open
		msg, err := seal.Seal(head(), []byte("seed plaintext"))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(uint8(i), msg[:32], msg[32:])
	}
	psk := kat.Values(f, "psk")
	real, err := New(gcm128, suite.Transform{}, psk["sk_ei"], nil, nil)
	if err != nil {
		f.Fatal(err)
	}
	ciphers[0] = real
	f.Fuzz(func(t *testing.T, which uint8, head, body []byte) {
		c := ciphers[int(which)%len(ciphers)]
		pt, err := c.Open(head, body)
		if err == nil && c.BodyLen(len(pt)) > len(body) {
			t.Fatalf("%d-byte plaintext from a %d-byte body", len(pt), len(body))
		}
	})
}
