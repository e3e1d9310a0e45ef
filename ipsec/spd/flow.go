package spd

import (
	"encoding/binary"
	"net/netip"

	"github.com/espressovpn/espresso/ipsec/internal/ip6"
)

// IP protocol numbers whose first four bytes are source and destination port.
const (
	protoTCP  = 6
	protoUDP  = 17
	protoSCTP = 132
)

// ParseFlow reads the addresses, protocol and ports of an IPv4 or IPv6
// packet. Ports are 0 for protocols without them and for fragments other
// than the first (RFC 4301 §4.4.1.1 "OPAQUE"). For IPv6 the protocol is the
// upper-layer one behind the extension headers (RFC 4301 §4.4.1.1 "Next
// Layer Protocol"); where that walk fails (truncated, or too many headers)
// it is the first next header value, without ports.
func ParseFlow(pkt []byte) (Flow, bool) {
	var f Flow
	var l4 []byte
	if len(pkt) < 1 {
		return f, false
	}
	switch pkt[0] >> 4 {
	case 4:
		ihl := int(pkt[0]&0x0f) * 4
		if len(pkt) < 20 || ihl < 20 || len(pkt) < ihl {
			return f, false
		}
		f.Src = netip.AddrFrom4([4]byte(pkt[12:16]))
		f.Dst = netip.AddrFrom4([4]byte(pkt[16:20]))
		f.Proto = pkt[9]
		if binary.BigEndian.Uint16(pkt[6:])&0x1fff == 0 {
			l4 = pkt[ihl:]
		}
	case 6:
		if len(pkt) < 40 {
			return f, false
		}
		f.Src = netip.AddrFrom16([16]byte(pkt[8:24]))
		f.Dst = netip.AddrFrom16([16]byte(pkt[24:40]))
		f.Proto = pkt[6]
		if proto, off, first, ok := ip6.Upper(pkt); ok {
			f.Proto = proto
			if first {
				l4 = pkt[off:]
			}
		}
	default:
		return f, false
	}
	switch f.Proto {
	case protoTCP, protoUDP, protoSCTP:
		if len(l4) >= 4 {
			f.SrcPort = binary.BigEndian.Uint16(l4)
			f.DstPort = binary.BigEndian.Uint16(l4[2:])
		}
	}
	return f, true
}
