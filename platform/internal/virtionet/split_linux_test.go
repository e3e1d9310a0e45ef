package virtionet

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"math/rand/v2"
	"testing"

	"golang.org/x/sys/unix"
)

// refChecksum is RFC 1071's checksum the plain way, 16 bits at a time, to
// check the package's against.
func refChecksum(chunks ...[]byte) uint16 {
	var all []byte
	for _, c := range chunks {
		all = append(all, c...)
	}
	if len(all)%2 == 1 {
		all = append(all, 0)
	}
	var s uint32
	for i := 0; i < len(all); i += 2 {
		s += uint32(all[i])<<8 | uint32(all[i+1])
	}
	for s > 0xffff {
		s = s>>16 + s&0xffff
	}
	return ^uint16(s)
}

// pseudo returns a TCP or UDP pseudo-header (RFC 9293 §3.1, RFC 8200 §8.1).
func pseudo(src, dst []byte, proto uint8, l4Len int) []byte {
	p := append(append([]byte{}, src...), dst...)
	if len(src) == 4 {
		return append(p, 0, proto, byte(l4Len>>8), byte(l4Len))
	}
	return append(p, 0, 0, byte(l4Len>>8), byte(l4Len), 0, 0, 0, proto)
}

var (
	src4 = []byte{192, 0, 2, 1}
	dst4 = []byte{198, 51, 100, 7}
	src6 = []byte{0x20, 0x01, 0x0d, 0xb8, 15: 1}
	dst6 = []byte{0x20, 0x01, 0x0d, 0xb8, 0, 1, 15: 2}
)

// packet is a hand-built super-packet: its parts, and the read the
// kernel would give for it.
type packet struct {
	is6, tcp bool
	ipOpts   int // bytes of IPv4 options
	tcpOpts  int // bytes of TCP options
	flags    uint8
	seq      uint32
	id       uint16
	payload  []byte
	gsoSize  int
}

func (p packet) l4() int {
	if p.is6 {
		return 40
	}
	return 20 + p.ipOpts
}

func (p packet) hlen() int {
	if p.tcp {
		return p.l4() + 20 + p.tcpOpts
	}
	return p.l4() + 8
}

// read returns the header and the packet as a read of the device gives
// them: lengths of the whole super-packet, the transport checksum field
// holding the pseudo-header's sum (checksum partial).
func (p packet) read() []byte {
	n := p.hlen() + len(p.payload)
	b := make([]byte, HeaderLen+n)
	pkt := b[HeaderLen:]
	proto := uint8(unix.IPPROTO_UDP)
	gso := uint8(unix.VIRTIO_NET_HDR_GSO_UDP_L4)
	var src, dst []byte
	if p.tcp {
		proto = unix.IPPROTO_TCP
		gso = unix.VIRTIO_NET_HDR_GSO_TCPV4
		if p.is6 {
			gso = unix.VIRTIO_NET_HDR_GSO_TCPV6
		}
	}
	if p.is6 {
		pkt[0] = 0x60
		binary.BigEndian.PutUint16(pkt[4:], uint16(n-40))
		pkt[6], pkt[7] = proto, 64
		copy(pkt[8:], src6)
		copy(pkt[24:], dst6)
		src, dst = src6, dst6
	} else {
		pkt[0] = 0x40 | byte(p.l4()/4)
		binary.BigEndian.PutUint16(pkt[2:], uint16(n))
		binary.BigEndian.PutUint16(pkt[4:], p.id)
		pkt[6] = 0x40 // DF
		pkt[8], pkt[9] = 64, proto
		copy(pkt[12:], src4)
		copy(pkt[16:], dst4)
		for i := 20; i < p.l4(); i++ {
			pkt[i] = 1 // NOP
		}
		binary.BigEndian.PutUint16(pkt[10:], refChecksum(pkt[:p.l4()]))
		src, dst = src4, dst4
	}
	l4 := pkt[p.l4():]
	binary.BigEndian.PutUint16(l4[0:], 40000)
	binary.BigEndian.PutUint16(l4[2:], 443)
	csumOff := 6
	if p.tcp {
		binary.BigEndian.PutUint32(l4[4:], p.seq)
		binary.BigEndian.PutUint32(l4[8:], 777)
		l4[12] = byte((20+p.tcpOpts)/4) << 4
		l4[13] = p.flags
		binary.BigEndian.PutUint16(l4[14:], 65000)
		for i := 20; i < 20+p.tcpOpts; i++ {
			l4[i] = 1 // NOP
		}
		csumOff = 16
	} else {
		binary.BigEndian.PutUint16(l4[4:], uint16(len(l4)))
	}
	copy(pkt[p.hlen():], p.payload)
	// The kernel leaves the pseudo-header's sum, not complemented.
	binary.BigEndian.PutUint16(l4[csumOff:], ^refChecksum(pseudo(src, dst, proto, len(l4))))
	h := Header{
		Flags: unix.VIRTIO_NET_HDR_F_NEEDS_CSUM, GSOType: gso,
		HdrLen: uint16(p.hlen()), GSOSize: uint16(p.gsoSize),
		CsumStart: uint16(p.l4()), CsumOffset: uint16(csumOff),
	}
	h.Encode(b)
	return b
}

// splitAll hands out every packet of read into buffers of size bufLen.
func splitAll(t *testing.T, read []byte, bufLen int) [][]byte {
	t.Helper()
	var s Splitter
	if err := s.Reset(read); err != nil {
		t.Fatalf("Reset: %v", err)
	}
	var out [][]byte
	for s.More() {
		dst := make([]byte, bufLen)
		n, err := s.Next(dst)
		if err != nil {
			t.Fatalf("Next %d: %v", len(out), err)
		}
		out = append(out, dst[:n])
	}
	return out
}

func TestSplitSuperPackets(t *testing.T) {
	payload := make([]byte, 5000)
	for i := range payload {
		payload[i] = byte(rand.Uint32())
	}
	const allFlags = tcpCWR | 0x10 /* ACK */ | tcpPSH | tcpFIN
	cases := []packet{
		{tcp: true, ipOpts: 8, tcpOpts: 12, flags: allFlags, seq: 0xffffff00, id: 0xfffe, payload: payload, gsoSize: 1448},
		{tcp: true, flags: 0x10 | tcpPSH, seq: 1, id: 9, payload: payload[:4344], gsoSize: 1448}, // last segment full
		{tcp: true, is6: true, tcpOpts: 12, flags: allFlags, seq: 5, payload: payload, gsoSize: 1428},
		{is6: false, id: 100, payload: payload[:3000], gsoSize: 1200},
		{is6: true, payload: payload[:3000], gsoSize: 1200},
		{is6: true, payload: payload[:100], gsoSize: 1200}, // one segment
	}
	for _, c := range cases {
		name := fmt.Sprintf("v6=%v/tcp=%v/%d/%d", c.is6, c.tcp, len(c.payload), c.gsoSize)
		t.Run(name, func(t *testing.T) {
			segs := splitAll(t, c.read(), 2000)
			want := (len(c.payload) + c.gsoSize - 1) / c.gsoSize
			if len(segs) != want {
				t.Fatalf("%d segments, want %d", len(segs), want)
			}
			var got []byte
			for i, seg := range segs {
				checkSegment(t, c, i, len(segs), seg)
				got = append(got, seg[c.hlen():]...)
			}
			if !bytes.Equal(got, c.payload) {
				t.Error("payloads joined differ from the super-packet's")
			}
		})
	}
}

// checkSegment checks segment i of n of c against what the kernel would
// have sent.
func checkSegment(t *testing.T, c packet, i, n int, seg []byte) {
	t.Helper()
	last := i == n-1
	size := c.gsoSize
	if last {
		size = len(c.payload) - i*c.gsoSize
	}
	if len(seg) != c.hlen()+size {
		t.Fatalf("segment %d: %d bytes, want %d", i, len(seg), c.hlen()+size)
	}
	src, dst := src4, dst4
	if c.is6 {
		src, dst = src6, dst6
		if got := int(binary.BigEndian.Uint16(seg[4:])); got != len(seg)-40 {
			t.Errorf("segment %d: payload length %d, want %d", i, got, len(seg)-40)
		}
	} else {
		if got := int(binary.BigEndian.Uint16(seg[2:])); got != len(seg) {
			t.Errorf("segment %d: total length %d, want %d", i, got, len(seg))
		}
		if got, want := binary.BigEndian.Uint16(seg[4:]), c.id+uint16(i); got != want {
			t.Errorf("segment %d: ID %d, want %d", i, got, want)
		}
		if refChecksum(seg[:c.l4()]) != 0 {
			t.Errorf("segment %d: bad IPv4 header checksum", i)
		}
	}
	l4 := seg[c.l4():]
	proto := uint8(unix.IPPROTO_UDP)
	if c.tcp {
		proto = unix.IPPROTO_TCP
		if got, want := binary.BigEndian.Uint32(l4[4:]), c.seq+uint32(i*c.gsoSize); got != want {
			t.Errorf("segment %d: seq %d, want %d", i, got, want)
		}
		want := c.flags
		if !last {
			want &^= tcpFIN | tcpPSH
		}
		if i > 0 {
			want &^= tcpCWR
		}
		if l4[13] != want {
			t.Errorf("segment %d: flags %#x, want %#x", i, l4[13], want)
		}
	} else if got := int(binary.BigEndian.Uint16(l4[4:])); got != len(l4) {
		t.Errorf("segment %d: UDP length %d, want %d", i, got, len(l4))
	}
	if refChecksum(pseudo(src, dst, proto, len(l4)), l4) != 0 {
		t.Errorf("segment %d: bad transport checksum", i)
	}
}

func TestChecksumNeeded(t *testing.T) {
	// One UDP packet the kernel left with a partial checksum, as a local
	// socket's datagram reaches a device with TUN_F_CSUM.
	p := packet{payload: []byte("hello, odd length"), gsoSize: 1400}
	read := p.read()
	var h Header
	if err := h.Decode(read); err != nil {
		t.Fatal(err)
	}
	h.GSOType, h.GSOSize = unix.VIRTIO_NET_HDR_GSO_NONE, 0
	h.Encode(read)
	segs := splitAll(t, read, 1500)
	if len(segs) != 1 {
		t.Fatalf("%d packets, want 1", len(segs))
	}
	l4 := segs[0][20:]
	if refChecksum(pseudo(src4, dst4, unix.IPPROTO_UDP, len(l4)), l4) != 0 {
		t.Error("bad UDP checksum")
	}
	if !bytes.Equal(segs[0][28:], p.payload) {
		t.Error("payload changed")
	}

	// Without the flag the packet is handed out as it is.
	h.Flags = 0
	h.Encode(read)
	segs = splitAll(t, read, 1500)
	if len(segs) != 1 || !bytes.Equal(segs[0], read[HeaderLen:]) {
		t.Error("packet without NEEDS_CSUM changed")
	}
}

func TestChecksumMatchesReference(t *testing.T) {
	b := make([]byte, 300)
	for i := range b {
		b[i] = byte(rand.Uint32())
	}
	for n := range len(b) {
		for _, init := range []uint64{0, 0xffff, 0x1234567} {
			want := refChecksum([]byte{byte(init >> 24), byte(init >> 16), byte(init >> 8), byte(init)}, b[:n])
			if got := Checksum(b[:n], init); got != want {
				t.Fatalf("Checksum(%d bytes, %#x) = %#x, want %#x", n, init, got, want)
			}
		}
	}
}

func TestSplitRejects(t *testing.T) {
	good := packet{tcp: true, flags: 0x10, payload: make([]byte, 3000), gsoSize: 1000}
	edit := func(f func(b []byte, h *Header)) []byte {
		b := good.read()
		var h Header
		_ = h.Decode(b)
		f(b[HeaderLen:], &h)
		h.Encode(b)
		return b
	}
	cases := map[string][]byte{
		"short header":       make([]byte, HeaderLen-1),
		"no packet":          make([]byte, HeaderLen),
		"GSO type":           edit(func(b []byte, h *Header) { h.GSOType = unix.VIRTIO_NET_HDR_GSO_UDP }),
		"ECN":                edit(func(b []byte, h *Header) { h.GSOType |= unix.VIRTIO_NET_HDR_GSO_ECN }),
		"no partial csum":    edit(func(b []byte, h *Header) { h.Flags = 0 }),
		"segment size 0":     edit(func(b []byte, h *Header) { h.GSOSize = 0 }),
		"IP version":         edit(func(b []byte, h *Header) { b[0] = 0x55 }),
		"IPv4 as TCPV6":      edit(func(b []byte, h *Header) { h.GSOType = unix.VIRTIO_NET_HDR_GSO_TCPV6 }),
		"transport offset":   edit(func(b []byte, h *Header) { h.CsumStart = 24 }),
		"IPv4 protocol":      edit(func(b []byte, h *Header) { b[9] = unix.IPPROTO_UDP }),
		"TCP data offset":    edit(func(b []byte, h *Header) { b[32] = 4 << 4 }),
		"TCP header too big": edit(func(b []byte, h *Header) { b[32] = 15 << 4 })[:HeaderLen+20+40],
		"checksum offset":    edit(func(b []byte, h *Header) { h.CsumOffset = 6 }),
		"csum beyond packet": edit(func(b []byte, h *Header) { h.GSOType = unix.VIRTIO_NET_HDR_GSO_NONE; h.CsumStart = 3039 }),
		"truncated headers": func() []byte {
			b := good.read()
			return b[:HeaderLen+30]
		}(),
		"IHL below 5": edit(func(b []byte, h *Header) { b[0] = 0x44 }),
	}
	for name, read := range cases {
		var s Splitter
		if err := s.Reset(read); !errors.Is(err, ErrMalformed) {
			t.Errorf("%s: Reset = %v, want ErrMalformed", name, err)
		}
		if s.More() {
			t.Errorf("%s: has packets after an error", name)
		}
	}
}

func TestSplitBufferTooShort(t *testing.T) {
	var s Splitter
	p := packet{tcp: true, payload: make([]byte, 3000), gsoSize: 1000}
	if err := s.Reset(p.read()); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Next(make([]byte, 1040)); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Next(make([]byte, 1039)); !errors.Is(err, ErrMalformed) {
		t.Fatalf("Next into a short buffer = %v, want ErrMalformed", err)
	}
	if s.More() {
		t.Error("the rest of the super-packet was not dropped")
	}
}

func TestSplitAllocatesNothing(t *testing.T) {
	read := packet{tcp: true, payload: make([]byte, 60000), gsoSize: 1448}.read()
	dst := make([]byte, 1500)
	var s Splitter
	allocs := testing.AllocsPerRun(10, func() {
		_ = s.Reset(read)
		for s.More() {
			_, _ = s.Next(dst)
		}
	})
	if allocs != 0 {
		t.Errorf("%v allocations per super-packet", allocs)
	}
}
