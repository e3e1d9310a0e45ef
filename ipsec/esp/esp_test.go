package esp

import (
	"bytes"
	"errors"
	"fmt"
	"testing"

	"github.com/espressovpn/espresso/ipsec/suite"
)

// testSuite is one ESP algorithm combination with test keys.
type testSuite struct {
	name  string
	encr  suite.Transform
	integ suite.TransformID
}

var testSuites = []testSuite{
	{"aes128gcm16", suite.Transform{Type: suite.TypeEncr, ID: suite.EncrAESGCM16, KeyBits: 128}, 0},
	{"aes256gcm16", suite.Transform{Type: suite.TypeEncr, ID: suite.EncrAESGCM16, KeyBits: 256}, 0},
	{"chacha20poly1305", suite.Transform{Type: suite.TypeEncr, ID: suite.EncrChaCha20Poly1305}, 0},
	{"aes128-sha256", suite.Transform{Type: suite.TypeEncr, ID: suite.EncrAESCBC, KeyBits: 128}, suite.IntegHMACSHA2_256_128},
	{"aes256-sha384", suite.Transform{Type: suite.TypeEncr, ID: suite.EncrAESCBC, KeyBits: 256}, suite.IntegHMACSHA2_384_192},
	{"aes256-sha512", suite.Transform{Type: suite.TypeEncr, ID: suite.EncrAESCBC, KeyBits: 256}, suite.IntegHMACSHA2_512_256},
}

func (ts testSuite) params(spi uint32, esn bool, seed byte) Params {
	n, _ := suite.EncrKeyMatLen(ts.encr)
	p := Params{SPI: spi, Encr: ts.encr, Integ: ts.integ, ESN: esn, EncrKey: make([]byte, n)}
	for i := range p.EncrKey {
		p.EncrKey[i] = seed + byte(i)
	}
	if ts.integ != 0 {
		p.IntegKey = bytes.Repeat([]byte{seed ^ 0x5a}, suite.IntegKeyLen(ts.integ))
	}
	return p
}

func (ts testSuite) newSA(t testing.TB, esn bool) *SA {
	sa, err := New(ts.params(0x01020304, esn, 7))
	if err != nil {
		t.Fatal(err)
	}
	return sa
}

// seal places payload in a fresh buffer with the room Seal needs and seals it.
func seal(t testing.TB, sa *SA, s *Scratch, payload []byte, seq uint64, next byte) []byte {
	t.Helper()
	off := sa.HeaderRoom()
	buf := make([]byte, off+len(payload), off+len(payload)+sa.TrailerRoom())
	copy(buf[off:], payload)
	start, end, err := sa.Seal(s, buf, off, len(payload), seq, next)
	if err != nil {
		t.Fatal(err)
	}
	return buf[start:end]
}

func TestRoundTrip(t *testing.T) {
	for _, ts := range testSuites {
		for _, esn := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s/esn=%v", ts.name, esn), func(t *testing.T) {
				sa := ts.newSA(t, esn)
				var s Scratch
				for n := range 70 {
					payload := bytes.Repeat([]byte{byte(n)}, n)
					seq := uint64(n)<<32 | 0xfffffff0 + uint64(n)
					if !esn {
						seq = uint64(n + 1)
					}
					pkt := seal(t, sa, &s, payload, seq, NextIPv6)
					if len(pkt) != sa.Overhead(n)+n {
						t.Fatalf("n=%d: packet %d bytes, Overhead says %d", n, len(pkt), sa.Overhead(n)+n)
					}
					if (len(pkt)-sa.HeaderRoom()-sa.icvLen)%sa.align != 0 {
						t.Fatalf("n=%d: ciphertext not aligned", n)
					}
					spi, low, _ := ParseHeader(pkt)
					if spi != 0x01020304 || low != uint32(seq) {
						t.Fatalf("header %08x/%d", spi, low)
					}
					inner, next, err := sa.Open(&s, pkt, seq)
					if err != nil || next != NextIPv6 || !bytes.Equal(inner, payload) {
						t.Fatalf("n=%d: open: %v next %d equal %v", n, err, next, bytes.Equal(inner, payload))
					}
				}
			})
		}
	}
}

func TestTamperAndWrongSeq(t *testing.T) {
	for _, ts := range testSuites {
		t.Run(ts.name, func(t *testing.T) {
			sa := ts.newSA(t, true)
			var s Scratch
			payload := bytes.Repeat([]byte{0xab}, 100)
			pkt := seal(t, sa, &s, payload, 5<<32|9, NextIPv4)
			for i := range pkt {
				bad := bytes.Clone(pkt)
				bad[i] ^= 0x80
				if _, _, err := sa.Open(&s, bad, 5<<32|9); !errors.Is(err, ErrAuth) && !errors.Is(err, ErrMalformed) {
					t.Fatalf("flipped byte %d: %v", i, err)
				}
			}
			// The high half of an extended sequence number is authenticated
			// though never sent (RFC 4303 §2.2.1).
			if _, _, err := sa.Open(&s, bytes.Clone(pkt), 6<<32|9); !errors.Is(err, ErrAuth) {
				t.Fatalf("wrong high half: %v", err)
			}
			other, _ := New(ts.params(0x01020304, true, 8))
			if _, _, err := other.Open(&s, bytes.Clone(pkt), 5<<32|9); !errors.Is(err, ErrAuth) {
				t.Fatalf("wrong key: %v", err)
			}
			if _, _, err := sa.Open(&s, pkt[:sa.HeaderRoom()+sa.icvLen+1], 5<<32|9); !errors.Is(err, ErrMalformed) {
				t.Fatalf("short packet: %v", err)
			}
		})
	}
}

// TestBadPadding seals packets whose trailer breaks RFC 4303 §2.4 by building
// the plaintext by hand, so Open's checks are reached after integrity passes.
func TestBadPadding(t *testing.T) {
	sa := testSuites[0].newSA(t, false)
	var s Scratch
	// 6 payload bytes + pad 4 + 2 = 12; pad bytes must read 1,2,3,4.
	body := []byte{1, 2, 3, 4, 5, 6, 1, 2, 9, 4, 4, NextIPv4}
	pkt := make([]byte, sa.HeaderRoom()+len(body), sa.HeaderRoom()+len(body)+sa.icvLen)
	copy(pkt[sa.HeaderRoom():], body)
	hdr := pkt[:sa.HeaderRoom()]
	hdr[0], hdr[3], hdr[7] = 1, 4, 1
	hdr[1], hdr[2] = 2, 3
	sa.sealAEAD(&s, hdr, pkt[sa.HeaderRoom():], 1, 1)
	pkt = pkt[:cap(pkt)]
	if _, _, err := sa.Open(&s, bytes.Clone(pkt), 1); !errors.Is(err, ErrPadding) {
		t.Fatalf("bad padding: %v", err)
	}
	// A pad length longer than the plaintext.
	body = []byte{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 200, NextIPv4}
	pkt = make([]byte, sa.HeaderRoom()+len(body), sa.HeaderRoom()+len(body)+sa.icvLen)
	copy(pkt[sa.HeaderRoom():], body)
	copy(pkt, hdr)
	sa.sealAEAD(&s, pkt[:sa.HeaderRoom()], pkt[sa.HeaderRoom():], 1, 1)
	if _, _, err := sa.Open(&s, pkt[:cap(pkt)], 1); !errors.Is(err, ErrMalformed) {
		t.Fatalf("long pad length: %v", err)
	}
}

func TestSealNoRoom(t *testing.T) {
	sa := testSuites[0].newSA(t, false)
	var s Scratch
	buf := make([]byte, 100)
	if _, _, err := sa.Seal(&s, buf, 4, 50, 1, NextIPv4); !errors.Is(err, ErrNoRoom) {
		t.Fatalf("no headroom: %v", err)
	}
	if _, _, err := sa.Seal(&s, buf, 20, 80, 1, NextIPv4); !errors.Is(err, ErrNoRoom) {
		t.Fatalf("no tailroom: %v", err)
	}
}

func TestNewRejects(t *testing.T) {
	good := testSuites[0].params(1, false, 1)
	cases := map[string]func(p *Params){
		"spi 0":         func(p *Params) { p.SPI = 0 },
		"short key":     func(p *Params) { p.EncrKey = p.EncrKey[:10] },
		"integ w/ aead": func(p *Params) { p.Integ = suite.IntegHMACSHA2_256_128 },
		"cbc no integ": func(p *Params) {
			p.Encr = suite.Transform{Type: suite.TypeEncr, ID: suite.EncrAESCBC, KeyBits: 128}
			p.EncrKey = p.EncrKey[:16]
		},
		"3des": func(p *Params) { p.Encr = suite.Transform{Type: suite.TypeEncr, ID: 3} },
	}
	for name, mod := range cases {
		p := good
		mod(&p)
		if _, err := New(p); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

func TestClassify(t *testing.T) {
	cases := []struct {
		b    []byte
		want Kind
	}{
		{[]byte{0xff}, KindKeepalive},
		{[]byte{0, 0, 0, 0, 1, 2, 3}, KindIKE},
		{[]byte{0, 0, 0, 1, 0, 0, 0, 1, 9}, KindESP},
		{[]byte{0, 0, 0, 1, 0}, KindInvalid},
		{[]byte{0xfe}, KindInvalid},
		{nil, KindInvalid},
	}
	for _, c := range cases {
		if got := Classify(c.b); got != c.want {
			t.Errorf("Classify(%x) = %d, want %d", c.b, got, c.want)
		}
	}
}

func TestNoAllocs(t *testing.T) {
	if raceEnabled {
		t.Skip("allocation counts are meaningless under the race detector")
	}
	for _, ts := range testSuites {
		sa := ts.newSA(t, true)
		s := new(Scratch)
		payload := make([]byte, 1400)
		off := sa.HeaderRoom()
		buf := make([]byte, off+1400, off+1400+sa.TrailerRoom())
		seq := uint64(1)
		allocs := testing.AllocsPerRun(100, func() {
			copy(buf[off:], payload)
			start, end, err := sa.Seal(s, buf, off, 1400, seq, NextIPv4)
			if err != nil {
				t.Fatal(err)
			}
			if _, _, err := sa.Open(s, buf[start:end], seq); err != nil {
				t.Fatal(err)
			}
			seq++
		})
		if allocs != 0 {
			t.Errorf("%s: %v allocations per seal+open", ts.name, allocs)
		}
	}
}

func FuzzOpen(f *testing.F) {
	sas := make([]*SA, len(testSuites))
	for i, ts := range testSuites {
		sas[i] = ts.newSA(f, i%2 == 0)
	}
	var s Scratch
	for i, sa := range sas {
		f.Add(uint8(i), uint64(1), seal(f, sa, &s, []byte("seed packet 45000054"), 1, NextIPv4))
	}
	f.Fuzz(func(t *testing.T, which uint8, seq uint64, pkt []byte) {
		sa := sas[int(which)%len(sas)]
		var s Scratch
		inner, _, err := sa.Open(&s, pkt, seq)
		if err == nil && len(inner) > len(pkt) {
			t.Fatal("inner packet longer than the ESP packet")
		}
	})
}
