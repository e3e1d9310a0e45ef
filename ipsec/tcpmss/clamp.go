// Package tcpmss lowers the MSS option of TCP SYN segments that cross the
// tunnel, so that full-size segments fit the tunnel MTU without
// fragmentation or a working path-MTU discovery (the "MSS clamping" of
// RFC 4459 §3.2). The TCP checksum is updated incrementally (RFC 1624 §3).
package tcpmss

import (
	"encoding/binary"

	"github.com/espressovpn/espresso/ipsec/internal/ip6"
)

const (
	protoTCP  = 6
	optEnd    = 0
	optNOP    = 1
	optMSS    = 2
	ipv4Hdr   = 20
	ipv6Hdr   = 40
	tcpHdr    = 20
	flagSYN   = 0x02
	minMTU    = 576
	maxMSSOpt = 40 // at most 40 bytes of TCP options (RFC 9293 §3.1)
)

// ForMTU returns the largest MSS whose segments fit in IPv4 and IPv6 packets
// of mtu bytes: the MTU less the IP and TCP headers.
func ForMTU(mtu int) (v4, v6 uint16) {
	mtu = max(mtu, minMTU)
	return uint16(mtu - ipv4Hdr - tcpHdr), uint16(mtu - ipv6Hdr - tcpHdr)
}

// Clamp lowers the MSS option of pkt, an IPv4 or IPv6 packet, to mss4 or
// mss6 if it is a TCP segment with SYN set whose MSS is larger, and fixes
// the TCP checksum. It reports whether it changed pkt. In IPv6 the TCP
// header is found behind any extension headers (a bounded walk). Packets it
// does not understand (fragments, truncated) are left alone.
func Clamp(pkt []byte, mss4, mss6 uint16) bool {
	if len(pkt) < ipv4Hdr {
		return false
	}
	var tcp []byte
	var mss uint16
	switch pkt[0] >> 4 {
	case 4:
		ihl := int(pkt[0]&0x0f) * 4
		total := int(binary.BigEndian.Uint16(pkt[2:]))
		if pkt[9] != protoTCP || ihl < ipv4Hdr || total > len(pkt) || total < ihl+tcpHdr ||
			binary.BigEndian.Uint16(pkt[6:])&0x1fff != 0 {
			return false
		}
		tcp, mss = pkt[ihl:total], mss4
	case 6:
		if len(pkt) < ipv6Hdr+tcpHdr {
			return false
		}
		end := ipv6Hdr + int(binary.BigEndian.Uint16(pkt[4:]))
		if end > len(pkt) {
			return false
		}
		proto, off, first, ok := ip6.Upper(pkt[:end])
		if !ok || !first || proto != protoTCP || end < off+tcpHdr {
			return false
		}
		tcp, mss = pkt[off:end], mss6
	default:
		return false
	}
	return clampTCP(tcp, mss)
}

func clampTCP(tcp []byte, mss uint16) bool {
	if tcp[13]&flagSYN == 0 {
		return false
	}
	hl := int(tcp[12]>>4) * 4
	if hl < tcpHdr || hl > len(tcp) {
		return false
	}
	opts := tcp[tcpHdr:hl]
	for i := 0; i < len(opts); {
		switch opts[i] {
		case optEnd:
			return false
		case optNOP:
			i++
			continue
		}
		if i+1 >= len(opts) || opts[i+1] < 2 || i+int(opts[i+1]) > len(opts) {
			return false
		}
		if opts[i] == optMSS && opts[i+1] == 4 {
			old := binary.BigEndian.Uint16(opts[i+2:])
			if old <= mss {
				return false
			}
			binary.BigEndian.PutUint16(opts[i+2:], mss)
			sum := binary.BigEndian.Uint16(tcp[16:])
			binary.BigEndian.PutUint16(tcp[16:], adjust(sum, old, mss))
			return true
		}
		i += int(opts[i+1])
	}
	return false
}

// adjust updates a ones'-complement checksum for one 16-bit word changing
// from old to new: HC' = ~(~HC + ~m + m') (RFC 1624 §3, eqn. 3).
func adjust(sum, old, new uint16) uint16 {
	s := uint32(^sum) + uint32(^old) + uint32(new)
	s = (s & 0xffff) + (s >> 16)
	s = (s & 0xffff) + (s >> 16)
	return ^uint16(s)
}
