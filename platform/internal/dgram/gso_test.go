package dgram

import (
	"encoding/binary"
	"testing"
	"unsafe"

	"golang.org/x/sys/unix"
)

// cmsg builds one control message as the kernel lays it out, padded to
// its space.
func cmsg(level, typ int32, data []byte) []byte {
	b := make([]byte, unix.CmsgSpace(len(data)))
	h := unix.Cmsghdr{Level: level, Type: typ}
	h.SetLen(unix.CmsgLen(len(data)))
	copy(b, unsafe.Slice((*byte)(unsafe.Pointer(&h)), unix.SizeofCmsghdr))
	copy(b[unix.CmsgLen(0):], data)
	return b
}

// withLen returns a copy of the control message b with its length field
// set to n.
func withLen(b []byte, n int) []byte {
	b = append([]byte{}, b...)
	var h unix.Cmsghdr
	copy(unsafe.Slice((*byte)(unsafe.Pointer(&h)), unix.SizeofCmsghdr), b)
	h.SetLen(n)
	copy(b, unsafe.Slice((*byte)(unsafe.Pointer(&h)), unix.SizeofCmsghdr))
	return b
}

func native32(v uint32) []byte { return binary.NativeEndian.AppendUint32(nil, v) }

func TestPutSegmentSize(t *testing.T) {
	b := PutSegmentSize(make([]byte, 0, SegmentSpace), 1380)
	msgs, err := unix.ParseSocketControlMessage(b)
	if err != nil || len(msgs) != 1 {
		t.Fatalf("parse: %v, %d messages", err, len(msgs))
	}
	m := msgs[0]
	if m.Header.Level != solUDP || m.Header.Type != udpSegment {
		t.Errorf("level %d type %d, want SOL_UDP UDP_SEGMENT", m.Header.Level, m.Header.Type)
	}
	if len(m.Data) != 2 || binary.NativeEndian.Uint16(m.Data) != 1380 {
		t.Errorf("data %x, want 1380 as a native uint16", m.Data)
	}
	// Appended after what b holds already.
	pre := []byte{1, 2, 3}
	if got := PutSegmentSize(pre, 9); len(got) != 3+unix.CmsgSpace(2) || got[0] != 1 {
		t.Errorf("appended %d bytes to a 3-byte prefix", len(got)-3)
	}
	if a := testing.AllocsPerRun(100, func() { b = PutSegmentSize(b[:0], 1380) }); a != 0 {
		t.Errorf("PutSegmentSize allocates %.1f times with room in b", a)
	}
}

func TestGROSize(t *testing.T) {
	gro := cmsg(solUDP, udpGRO, native32(1424))
	tos := cmsg(unix.IPPROTO_IP, unix.IP_TOS, []byte{0})
	for _, tc := range []struct {
		name string
		oob  []byte
		want int
	}{
		{"none", nil, 0},
		{"only udp gro", gro, 1424},
		{"after another message", append(append([]byte{}, tos...), gro...), 1424},
		{"another message only", tos, 0},
		{"segment is not gro", cmsg(solUDP, udpSegment, native32(1424)), 0},
		{"16-bit size", cmsg(solUDP, udpGRO, []byte{0x90, 0x05}[:2]), int(binary.NativeEndian.Uint16([]byte{0x90, 0x05}))},
		{"no data", cmsg(solUDP, udpGRO, nil), 0},
		{"length past the buffer", withLen(gro, 4096), 0},
		{"cut header", gro[:unix.SizeofCmsghdr-1], 0},
		{"length under the header", withLen(gro, 3), 0},
	} {
		if got := GROSize(tc.oob); got != tc.want {
			t.Errorf("%s: GROSize = %d, want %d", tc.name, got, tc.want)
		}
	}
}

func FuzzGROSize(f *testing.F) {
	f.Add(cmsg(solUDP, udpGRO, native32(1424)))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, b []byte) {
		if n := GROSize(b); n < 0 {
			t.Fatalf("negative size %d", n)
		}
	})
}

func TestNextSegment(t *testing.T) {
	for _, tc := range []struct{ n, size, off, want int }{
		{1000, 0, 0, 1000},       // not coalesced
		{3000, 1000, 0, 1000},    // first of three
		{3000, 1000, 2000, 3000}, // last, full
		{2500, 1000, 2000, 2500}, // last, shorter
		{800, 1000, 0, 800},      // one datagram shorter than the size
		{0, 0, 0, 0},             // empty datagram
	} {
		if got := NextSegment(tc.n, tc.size, tc.off); got != tc.want {
			t.Errorf("NextSegment(%d, %d, %d) = %d, want %d", tc.n, tc.size, tc.off, got, tc.want)
		}
	}
}

func TestMaxSegmentBytes(t *testing.T) {
	if MaxSegmentBytes(true) != 65507 || MaxSegmentBytes(false) != 65527 {
		t.Errorf("MaxSegmentBytes = %d, %d; want 65507, 65527", MaxSegmentBytes(true), MaxSegmentBytes(false))
	}
}
