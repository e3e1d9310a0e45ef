package tcpmss

import (
	"bytes"
	"encoding/binary"
	"encoding/hex"
	"net/netip"
	"slices"
	"testing"
)

// checksum computes the TCP checksum from scratch over the pseudo-header
// (RFC 9293 §3.1, RFC 8200 §8.1) and the segment, as the model to compare
// the incremental update against.
func checksum(src, dst netip.Addr, seg []byte) uint16 {
	var s uint32
	add := func(b []byte) {
		for i := 0; i+1 < len(b); i += 2 {
			s += uint32(binary.BigEndian.Uint16(b[i:]))
		}
		if len(b)%2 == 1 {
			s += uint32(b[len(b)-1]) << 8
		}
	}
	add(src.AsSlice())
	add(dst.AsSlice())
	s += protoTCP + uint32(len(seg))
	add(seg)
	for s>>16 != 0 {
		s = s&0xffff + s>>16
	}
	return ^uint16(s)
}

func segment(flags byte, opts []byte) []byte {
	seg := make([]byte, tcpHdr+len(opts)+5)
	binary.BigEndian.PutUint16(seg[0:], 40000)
	binary.BigEndian.PutUint16(seg[2:], 443)
	seg[12] = byte((tcpHdr+len(opts))/4) << 4
	seg[13] = flags
	copy(seg[tcpHdr:], opts)
	copy(seg[tcpHdr+len(opts):], "hello")
	return seg
}

func packet(v6 bool, seg []byte) []byte {
	src, dst := netip.MustParseAddr("198.18.0.1"), netip.MustParseAddr("203.0.113.5")
	var pkt []byte
	if v6 {
		src, dst = netip.MustParseAddr("2001:db8::1"), netip.MustParseAddr("2001:db8:1::5")
		pkt = make([]byte, ipv6Hdr)
		pkt[0] = 0x60
		binary.BigEndian.PutUint16(pkt[4:], uint16(len(seg)))
		pkt[6], pkt[7] = protoTCP, 64
		copy(pkt[8:], src.AsSlice())
		copy(pkt[24:], dst.AsSlice())
	} else {
		pkt = make([]byte, ipv4Hdr)
		pkt[0] = 0x45
		binary.BigEndian.PutUint16(pkt[2:], uint16(ipv4Hdr+len(seg)))
		pkt[8], pkt[9] = 64, protoTCP
		copy(pkt[12:], src.AsSlice())
		copy(pkt[16:], dst.AsSlice())
	}
	binary.BigEndian.PutUint16(seg[16:], 0)
	binary.BigEndian.PutUint16(seg[16:], checksum(src, dst, seg))
	return append(pkt, seg...)
}

func addrs(pkt []byte) (netip.Addr, netip.Addr, []byte) {
	if pkt[0]>>4 == 6 {
		return netip.AddrFrom16([16]byte(pkt[8:24])), netip.AddrFrom16([16]byte(pkt[24:40])), pkt[ipv6Hdr:]
	}
	return netip.AddrFrom4([4]byte(pkt[12:16])), netip.AddrFrom4([4]byte(pkt[16:20])), pkt[ipv4Hdr:]
}

func TestClamp(t *testing.T) {
	mss4, mss6 := ForMTU(1400)
	if mss4 != 1360 || mss6 != 1340 {
		t.Fatalf("ForMTU(1400) = %d, %d", mss4, mss6)
	}
	// NOP, NOP, SACK-permitted, MSS 1460, window scale: the option is found
	// behind others.
	opts := []byte{1, 1, 4, 2, 2, 4, 0x05, 0xb4, 3, 3, 7, 1}
	for _, v6 := range []bool{false, true} {
		for _, tc := range []struct {
			flags   byte
			mssIn   uint16
			changed bool
		}{
			{flagSYN, 1460, true},
			{flagSYN | 0x10, 1460, true}, // SYN-ACK
			{0x10, 1460, false},          // ACK only
			{flagSYN, 1200, false},       // already small enough
		} {
			o := append([]byte(nil), opts...)
			binary.BigEndian.PutUint16(o[6:], tc.mssIn)
			pkt := packet(v6, segment(tc.flags, o))
			if got := Clamp(pkt, mss4, mss6); got != tc.changed {
				t.Fatalf("v6=%v flags %x mss %d: changed %v", v6, tc.flags, tc.mssIn, got)
			}
			src, dst, seg := addrs(pkt)
			want := tc.mssIn
			if tc.changed {
				want = mss4
				if v6 {
					want = mss6
				}
			}
			if got := binary.BigEndian.Uint16(seg[tcpHdr+6:]); got != want {
				t.Fatalf("v6=%v: MSS %d, want %d", v6, got, want)
			}
			if checksum(src, dst, seg) != 0 {
				// A correct checksum makes the sum over the segment with it
				// included come out as zero.
				t.Fatalf("v6=%v: checksum wrong after clamping", v6)
			}
		}
	}
}

// TestClampKnownAnswer clamps a fixed SYN whose checksums before and after
// were computed apart from this package (by hand over the RFC 9293 §3.1
// pseudo-header), so an error shared by the incremental update and the
// test's own checksum function cannot hide.
func TestClampKnownAnswer(t *testing.T) {
	ip := []byte{0x45, 0, 0, 48, 0, 0, 0x40, 0, 64, protoTCP, 0, 0, 198, 18, 0, 1, 203, 0, 113, 5}
	seg := func(s string) []byte {
		b, err := hex.DecodeString(s)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	// 40000 -> 443, SYN, options MSS, NOP, NOP, SACK permitted.
	before := append(bytes.Clone(ip), seg("9c4001bb01020304000000007002faf0e4130000020405b401010402")...)
	after := append(bytes.Clone(ip), seg("9c4001bb01020304000000007002faf0e47700000204055001010402")...)
	if !Clamp(before, 1360, 1340) {
		t.Fatal("not clamped")
	}
	if !bytes.Equal(before, after) {
		t.Fatalf("clamped segment differs:\n got %x\nwant %x", before[20:], after[20:])
	}
}

// TestClampIPv6Extensions finds the TCP header behind a Hop-by-Hop and a
// Destination Options header.
func TestClampIPv6Extensions(t *testing.T) {
	pkt := packet(true, segment(flagSYN, []byte{2, 4, 0x05, 0xb4}))
	ext := []byte{60, 0, 1, 4, 0, 0, 0, 0, protoTCP, 0, 1, 4, 0, 0, 0, 0}
	pkt = slices.Insert(pkt, ipv6Hdr, ext...)
	pkt[6] = 0
	binary.BigEndian.PutUint16(pkt[4:], binary.BigEndian.Uint16(pkt[4:])+uint16(len(ext)))
	if !Clamp(pkt, 1360, 1340) {
		t.Fatal("SYN behind extension headers not clamped")
	}
	src, dst, _ := addrs(pkt)
	seg := pkt[ipv6Hdr+len(ext):]
	if got := binary.BigEndian.Uint16(seg[tcpHdr+2:]); got != 1340 {
		t.Fatalf("MSS %d", got)
	}
	if checksum(src, dst, seg) != 0 {
		t.Fatal("checksum wrong after clamping")
	}
	// A later fragment carries no TCP header to clamp.
	frag := packet(true, segment(flagSYN, []byte{2, 4, 0x05, 0xb4}))
	frag = slices.Insert(frag, ipv6Hdr, protoTCP, 0, 0, 0x10, 0, 0, 0, 1)
	frag[6] = 44
	binary.BigEndian.PutUint16(frag[4:], binary.BigEndian.Uint16(frag[4:])+8)
	if Clamp(frag, 1360, 1340) {
		t.Fatal("later fragment clamped")
	}
}

func TestClampIgnores(t *testing.T) {
	pkt := packet(false, segment(flagSYN, []byte{2, 4, 0x05, 0xb4}))
	frag := append([]byte(nil), pkt...)
	frag[7] = 1 // fragment offset 8
	for name, p := range map[string][]byte{
		"fragment":  frag,
		"truncated": pkt[:30],
		"bad opt":   packet(false, segment(flagSYN, []byte{1, 1, 9, 0})),
		"eol first": packet(false, segment(flagSYN, []byte{0, 0, 2, 4, 0x05, 0xb4, 0, 0})),
		"udp":       {0x45, 0, 0, 20, 0, 0, 0, 0, 64, 17, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8},
	} {
		before := string(p)
		if Clamp(p, 1000, 1000) || string(p) != before {
			t.Errorf("%s: changed", name)
		}
	}
}

func FuzzClamp(f *testing.F) {
	f.Add(packet(false, segment(flagSYN, []byte{2, 4, 0x05, 0xb4})))
	f.Add(packet(true, segment(flagSYN, []byte{1, 2, 4, 0x05, 0xb4, 0})))
	f.Fuzz(func(t *testing.T, pkt []byte) {
		n := len(pkt)
		Clamp(pkt, 1000, 980)
		if len(pkt) != n {
			t.Fatal("length changed")
		}
	})
}
