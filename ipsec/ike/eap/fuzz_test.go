package eap

import (
	"bytes"
	"testing"

	"github.com/espressovpn/espresso/ipsec/ike/internal/kat"
)

// FuzzParse: parsing never panics, and what parses encodes back to the same
// octets up to the Length field.
func FuzzParse(f *testing.F) {
	for _, s := range []string{"01000501", "02070a01616c696365", "03070004", "04010004", "011a0016 1a011a0011 10 00112233445566778899aabbccddeeff"} {
		f.Add(kat.Hex(f, s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		p, err := Parse(b)
		if err != nil {
			return
		}
		out, err := p.Marshal()
		if err != nil {
			t.Fatal(err)
		}
		if (p.Code == CodeRequest || p.Code == CodeResponse) && !bytes.Equal(out, b[:len(out)]) {
			t.Fatalf("%x re-encoded as %x", b, out)
		}
	})
}

// FuzzPeer feeds arbitrary packets to a Peer: it never panics, never answers
// after it stopped, and never reports Success without the method complete.
func FuzzPeer(f *testing.F) {
	f.Add(kat.Hex(f, "01000501"), kat.Hex(f, "01010604 07"), kat.Hex(f, "03010004"))
	f.Add(kat.Hex(f, "010105 0d"), kat.Hex(f, "01020c fe000000 00000001"), kat.Hex(f, "04020004"))
	f.Fuzz(func(t *testing.T, a, b, c []byte) {
		m := &countMethod{}
		p := NewPeer("alice", m)
		for _, pkt := range [][]byte{a, b, c} {
			out, err := p.Handle(pkt)
			if err != nil && out != nil {
				t.Fatal("response with an error")
			}
			if out != nil {
				if _, perr := Parse(out); perr != nil {
					t.Fatalf("unparsable response %x", out)
				}
			}
		}
		if p.State() == Succeeded && !m.Complete() {
			t.Fatal("Success without the method complete")
		}
	})
}
