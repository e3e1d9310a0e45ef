package ip6

import "testing"

// packet returns an IPv6 header with next header first, followed by ext.
func packet(first uint8, ext ...byte) []byte {
	p := make([]byte, HeaderLen, HeaderLen+len(ext))
	p[0], p[6] = 0x60, first
	return append(p, ext...)
}

func TestUpper(t *testing.T) {
	tcp := make([]byte, 20)
	hbh := []byte{destOpts, 0, 1, 4, 0, 0, 0, 0}                                            // Hop-by-Hop, 8 bytes, PadN
	dst := []byte{fragment, 1, 1, 12, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}                   // Destination Options, 16 bytes
	frag0 := []byte{6, 0, 0, 1, 0, 0, 0, 7}                                                 // first fragment, more follow
	fragN := []byte{6, 0, 0x05, 0x09, 0, 0, 0, 7}                                           // offset 161, more follow
	ahHdr := []byte{6, 4, 0, 0, 1, 2, 3, 4, 0, 0, 0, 1, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9} // AH, 24 bytes

	cat := func(parts ...[]byte) []byte {
		var b []byte
		for _, p := range parts {
			b = append(b, p...)
		}
		return b
	}
	cases := []struct {
		name      string
		pkt       []byte
		proto     uint8
		off       int
		first, ok bool
	}{
		{"plain TCP", packet(6, tcp...), 6, 40, true, true},
		{"hop-by-hop, dest opts, fragment", packet(hopByHop, cat(hbh, dst, frag0, tcp)...), 6, 72, true, true},
		{"later fragment", packet(fragment, cat(fragN, tcp)...), 6, 48, false, true},
		{"AH", packet(ah, cat(ahHdr, tcp)...), 6, 64, true, true},
		{"no next header", packet(59), 59, 40, true, true},
		{"truncated extension", packet(hopByHop, hbh[:5]...), 0, 0, false, false},
		{"length beyond packet", packet(destOpts, 6, 9, 0, 0, 0, 0, 0, 0), 0, 0, false, false},
		{"short", packet(6)[:39], 0, 0, false, false},
		{"IPv4", append([]byte{0x45}, make([]byte, 59)...), 0, 0, false, false},
	}
	for _, c := range cases {
		proto, off, first, ok := Upper(c.pkt)
		if proto != c.proto || off != c.off || first != c.first || ok != c.ok {
			t.Errorf("%s: Upper = %d, %d, %v, %v; want %d, %d, %v, %v", c.name, proto, off, first, ok, c.proto, c.off, c.first, c.ok)
		}
	}

	// A chain longer than the bound is refused, not walked to its end.
	var chain []byte
	for range maxExtHeaders + 1 {
		chain = append(chain, destOpts, 0, 1, 4, 0, 0, 0, 0)
	}
	if _, _, _, ok := Upper(packet(destOpts, append(chain, tcp...)...)); ok {
		t.Error("a chain of more than maxExtHeaders extension headers was walked")
	}
}

func FuzzUpper(f *testing.F) {
	f.Add(packet(hopByHop, 6, 0, 1, 4, 0, 0, 0, 0, 1, 2, 3, 4))
	f.Add(packet(fragment, 6, 0, 0, 8, 0, 0, 0, 1))
	f.Fuzz(func(t *testing.T, pkt []byte) {
		if _, off, _, ok := Upper(pkt); ok && off > len(pkt) {
			t.Fatalf("offset %d beyond a %d-byte packet", off, len(pkt))
		}
	})
}
