package dgram

import (
	"encoding/binary"
	"unsafe"

	"golang.org/x/sys/unix"
)

// UDP segmentation offload moves many datagrams per message between a
// program and Linux's UDP stack (udp(7)). On send, a message carrying a
// UDP_SEGMENT control message with a segment size is split by the kernel
// (or the NIC) into datagrams of that size, the last one possibly
// shorter: a batch of same-sized datagrams to one peer costs one message
// instead of one each. On receive, a socket with UDP_GRO set may get a
// whole run of a peer's datagrams coalesced into one buffer, with a
// UDP_GRO control message holding the size they are to be split at. The
// kernel only coalesces datagrams of one flow whose sizes are equal but
// for the last, so splitting at the given size gives them back in order.
//
// The control messages are built and parsed here, apart from the system
// calls, so that they are tested on every OS; only Linux sends or receives
// them (gso_linux.go).

// Linux's numbers for the control messages (linux/udp.h).
const (
	solUDP     = 17 // SOL_UDP, the same as IPPROTO_UDP
	udpSegment = 103
	udpGRO     = 104
)

// MaxSegments is the most datagrams one UDP_SEGMENT message may carry
// (the kernel's UDP_MAX_SEGMENTS).
const MaxSegments = 64

// MaxSegmentBytes is the most payload bytes one UDP_SEGMENT message may
// carry over IPv4 and IPv6: what fits in one IP packet's length field
// with the UDP header.
func MaxSegmentBytes(is4 bool) int {
	if is4 {
		return 1<<16 - 1 - 20 - 8
	}
	return 1<<16 - 1 - 8
}

// SegmentSpace is the control buffer a UDP_SEGMENT or UDP_GRO control
// message needs.
var SegmentSpace = unix.CmsgSpace(4)

// PutSegmentSize appends to b a UDP_SEGMENT control message that has the
// kernel split the message's payload into datagrams of size bytes, and
// returns the extended slice. It allocates nothing when b has room for
// SegmentSpace more bytes.
func PutSegmentSize(b []byte, size uint16) []byte {
	start := len(b)
	for range unix.CmsgSpace(2) {
		b = append(b, 0)
	}
	c := b[start:]
	h := unix.Cmsghdr{Level: solUDP, Type: udpSegment}
	h.SetLen(unix.CmsgLen(2))
	copy(c, unsafe.Slice((*byte)(unsafe.Pointer(&h)), unix.SizeofCmsghdr))
	binary.NativeEndian.PutUint16(c[unix.CmsgLen(0):], size)
	return b
}

// GROSize returns the segment size of the UDP_GRO control message in oob,
// the control data of one received message, or 0 when there is none: the
// message is then one datagram. Malformed control data counts as none.
func GROSize(oob []byte) int {
	for len(oob) >= unix.SizeofCmsghdr {
		var h unix.Cmsghdr
		copy(unsafe.Slice((*byte)(unsafe.Pointer(&h)), unix.SizeofCmsghdr), oob)
		l := int(h.Len)
		if l < unix.SizeofCmsghdr || l > len(oob) {
			return 0
		}
		data := oob[unix.CmsgLen(0):l]
		if h.Level == solUDP && h.Type == udpGRO {
			// The kernel writes an int; its low 16 bits are the size
			// whatever the width, read in the host's order.
			switch {
			case len(data) >= 4:
				return int(binary.NativeEndian.Uint32(data))
			case len(data) >= 2:
				return int(binary.NativeEndian.Uint16(data))
			}
			return 0
		}
		next := unix.CmsgSpace(l - unix.CmsgLen(0))
		if next > len(oob) {
			return 0
		}
		oob = oob[next:]
	}
	return 0
}

// NextSegment returns where the datagram starting at off ends in a
// received payload of n bytes coalesced at size (0: not coalesced).
func NextSegment(n, size, off int) int {
	if size <= 0 || n-off <= size {
		return n
	}
	return off + size
}
