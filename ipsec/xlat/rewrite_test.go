package xlat

import (
	"bytes"
	"encoding/binary"
	"errors"
	"math/rand/v2"
	"net/netip"
	"testing"
)

// sum is the ones' complement sum of b (RFC 1071), not yet complemented.
func sum(acc uint32, b []byte) uint32 {
	for i := 0; i+1 < len(b); i += 2 {
		acc += uint32(binary.BigEndian.Uint16(b[i:]))
	}
	if len(b)%2 == 1 {
		acc += uint32(b[len(b)-1]) << 8
	}
	return acc
}

func fold(acc uint32) uint16 {
	for acc>>16 != 0 {
		acc = acc&0xffff + acc>>16
	}
	return ^uint16(acc)
}

// checksums computes from scratch the IPv4 header checksum (0 for IPv6)
// and the transport checksum of pkt, with its own checksum fields taken
// as zero, as a sender does.
func checksums(pkt []byte) (ip, l4 uint16) {
	p := bytes.Clone(pkt)
	var src, dst []byte
	var proto uint8
	var seg []byte
	if p[0]>>4 == 4 {
		ihl := int(p[0]&0x0f) * 4
		p[10], p[11] = 0, 0
		ip = fold(sum(0, p[:ihl]))
		src, dst, proto, seg = p[12:16], p[16:20], p[9], p[ihl:]
	} else {
		src, dst, proto, seg = p[8:24], p[24:40], p[6], p[40:]
	}
	at := map[uint8]int{protoTCP: 16, protoUDP: 6, protoICMP: 2, protoICMPv6: 2}[proto]
	seg[at], seg[at+1] = 0, 0
	var acc uint32
	if proto != protoICMP {
		acc = sum(sum(0, src), dst)
		acc += uint32(proto) + uint32(len(seg))
	}
	l4 = fold(sum(acc, seg))
	if proto == protoUDP && l4 == 0 {
		l4 = 0xffff
	}
	return ip, l4
}

// packet builds an IPv4 or IPv6 packet of proto from src to dst with a
// random payload of n bytes and correct checksums.
func packet(r *rand.Rand, proto uint8, src, dst netip.Addr, n int) []byte {
	hl := 20
	if src.Is6() {
		hl = 40
	}
	l4 := map[uint8]int{protoTCP: 20, protoUDP: 8, protoICMP: 8, protoICMPv6: 8}[proto]
	p := make([]byte, hl+l4+n)
	for i := hl; i < len(p); i++ {
		p[i] = byte(r.Uint32())
	}
	if src.Is4() {
		p[0] = 0x45
		binary.BigEndian.PutUint16(p[2:], uint16(len(p)))
		binary.BigEndian.PutUint16(p[4:], uint16(r.Uint32()))
		p[6], p[8], p[9] = 0x40, 64, proto // Don't Fragment
		copy(p[12:], src.AsSlice())
		copy(p[16:], dst.AsSlice())
	} else {
		p[0] = 0x60
		binary.BigEndian.PutUint16(p[4:], uint16(len(p)-40))
		p[6], p[7] = proto, 64
		copy(p[8:], src.AsSlice())
		copy(p[24:], dst.AsSlice())
	}
	if proto == protoTCP {
		p[hl+12] = 5 << 4 // data offset
	}
	if proto == protoUDP {
		binary.BigEndian.PutUint16(p[hl+4:], uint16(l4+n))
	}
	setChecksums(p)
	return p
}

func setChecksums(p []byte) {
	ip, l4 := checksums(p)
	hl := 40
	if p[0]>>4 == 4 {
		hl = int(p[0]&0x0f) * 4
		binary.BigEndian.PutUint16(p[10:], ip)
	}
	proto := p[9]
	if p[0]>>4 == 6 {
		proto = p[6]
	}
	at := map[uint8]int{protoTCP: 16, protoUDP: 6, protoICMP: 2, protoICMPv6: 2}[proto]
	binary.BigEndian.PutUint16(p[hl+at:], l4)
}

func randAddr(r *rand.Rand, v6 bool) netip.Addr {
	if v6 {
		var b [16]byte
		for i := range b {
			b[i] = byte(r.Uint32())
		}
		b[0] = 0x20
		return netip.AddrFrom16(b)
	}
	var b [4]byte
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	return netip.AddrFrom4(b)
}

// TestTranslateChecksums: after SetSource and SetDestination the IPv4
// header and transport checksums are those a sender computes from
// scratch, for TCP, UDP and ICMP over IPv4 and IPv6, with payloads of
// odd and even length and many address pairs (RFC 1624's incremental
// update must agree with RFC 1071's sum).
func TestTranslateChecksums(t *testing.T) {
	r := rand.New(rand.NewPCG(1624, 1071))
	for _, v6 := range []bool{false, true} {
		protos := []uint8{protoTCP, protoUDP, protoICMP}
		if v6 {
			protos[2] = protoICMPv6
		}
		for _, proto := range protos {
			for i := range 300 {
				src, dst, to := randAddr(r, v6), randAddr(r, v6), randAddr(r, v6)
				p := packet(r, proto, src, dst, i%37)
				set := SetSource
				if i%2 == 1 {
					set = SetDestination
				}
				if err := set(p, to); err != nil {
					t.Fatalf("v6 %v proto %d: %v", v6, proto, err)
				}
				want := bytes.Clone(p)
				setChecksums(want)
				if !bytes.Equal(p, want) {
					t.Fatalf("v6 %v proto %d, %v→%v (to %v): checksums\n got %x\nwant %x", v6, proto, src, dst, to, p, want)
				}
				a := netip.AddrFrom4([4]byte(p[12:16]))
				if i%2 == 1 {
					a = netip.AddrFrom4([4]byte(p[16:20]))
				}
				if v6 {
					a = netip.AddrFrom16([16]byte(p[8:24]))
					if i%2 == 1 {
						a = netip.AddrFrom16([16]byte(p[24:40]))
					}
				}
				if a != to {
					t.Fatalf("address %v, want %v", a, to)
				}
			}
		}
	}
}

// TestTranslateUDPWithoutChecksum: an IPv4 UDP checksum of zero says
// none was computed (RFC 768); it stays zero.
func TestTranslateUDPWithoutChecksum(t *testing.T) {
	r := rand.New(rand.NewPCG(768, 0))
	p := packet(r, protoUDP, netip.MustParseAddr("192.0.2.2"), netip.MustParseAddr("203.0.113.10"), 10)
	p[26], p[27] = 0, 0
	if err := SetSource(p, netip.MustParseAddr("198.18.0.1")); err != nil {
		t.Fatal(err)
	}
	if p[26] != 0 || p[27] != 0 {
		t.Errorf("UDP checksum %x, want none", p[26:28])
	}
	if ip, _ := checksums(p); binary.BigEndian.Uint16(p[10:]) != ip {
		t.Errorf("IPv4 header checksum %x, want %x", p[10:12], ip)
	}
}

// TestTranslateLeavesOthers: fragments, protocols whose checksum is not
// known here, headers cut short and an address of the other family are
// refused with their reason and leave the packet as it was.
func TestTranslateLeavesOthers(t *testing.T) {
	r := rand.New(rand.NewPCG(791, 8200))
	v4 := func() []byte {
		return packet(r, protoTCP, netip.MustParseAddr("192.0.2.2"), netip.MustParseAddr("203.0.113.10"), 40)
	}
	v6 := func() []byte {
		return packet(r, protoUDP, netip.MustParseAddr("2001:db8::2"), netip.MustParseAddr("2001:db8:1::10"), 40)
	}
	to4, to6 := netip.MustParseAddr("198.18.0.1"), netip.MustParseAddr("2001:db8:ff::1")
	for _, c := range []struct {
		name string
		pkt  []byte
		to   netip.Addr
		want error
	}{
		{"ipv4 first fragment", with(v4(), func(p []byte) { p[6] = 0x20 }), to4, ErrFragment},
		{"ipv4 later fragment", with(v4(), func(p []byte) { p[7] = 0x10 }), to4, ErrFragment},
		{"ipv6 fragment header", with(v6(), func(p []byte) { p[6] = 44 }), to6, ErrFragment},
		{"ipv4 gre", with(v4(), func(p []byte) { p[9] = 47 }), to4, ErrProtocol},
		{"ipv6 routing header", with(v6(), func(p []byte) { p[6] = 43 }), to6, ErrProtocol},
		{"icmp in ipv6", with(v6(), func(p []byte) { p[6] = protoICMP }), to6, ErrProtocol},
		{"ipv4 tcp cut short", v4()[:30], to4, ErrMalformed},
		{"ipv4 total length beyond", with(v4(), func(p []byte) { p[2] = 0xff }), to4, ErrMalformed},
		{"ipv6 payload beyond", with(v6(), func(p []byte) { p[4] = 0xff }), to6, ErrMalformed},
		{"not ip", with(v4(), func(p []byte) { p[0] = 0x55 }), to4, ErrMalformed},
		{"ipv6 address for ipv4", v4(), to6, ErrFamily},
		{"ipv4 address for ipv6", v6(), to4, ErrFamily},
	} {
		before := bytes.Clone(c.pkt)
		if err := SetSource(c.pkt, c.to); !errors.Is(err, c.want) {
			t.Errorf("%s: %v, want %v", c.name, err, c.want)
		}
		if !bytes.Equal(before, c.pkt) {
			t.Errorf("%s: the packet changed", c.name)
		}
	}
}

func with(p []byte, f func([]byte)) []byte {
	f(p)
	return p
}

// TestTranslateIPv6DestinationOptions: a Destination Options header
// before the transport header does not stop the translation.
func TestTranslateIPv6DestinationOptions(t *testing.T) {
	r := rand.New(rand.NewPCG(8200, 4))
	p := packet(r, protoTCP, netip.MustParseAddr("2001:db8::2"), netip.MustParseAddr("2001:db8:1::10"), 12)
	opts := []byte{protoTCP, 0, 1, 4, 0, 0, 0, 0} // PadN
	q := append(append(bytes.Clone(p[:40]), opts...), p[40:]...)
	q[6] = destOpts
	binary.BigEndian.PutUint16(q[4:], uint16(len(q)-40))
	to := netip.MustParseAddr("2001:db8:ff::1")
	if err := SetSource(q, to); err != nil {
		t.Fatal(err)
	}
	// The checksum is the one of the packet without the options.
	if err := SetSource(p, to); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(q[48:], p[40:]) || !bytes.Equal(q[8:24], to.AsSlice()) {
		t.Errorf("with options %x, without %x", q[48:], p[40:])
	}
}
