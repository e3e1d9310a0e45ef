// Package ip6 finds the upper-layer header of an IPv6 packet behind its
// extension headers (RFC 8200 §4), for the policy lookup and the MSS clamp.
package ip6

import "encoding/binary"

// HeaderLen is the length of the fixed IPv6 header (RFC 8200 §3).
const HeaderLen = 40

// maxExtHeaders bounds the walk: RFC 8200 §4.1 recommends at most one of
// each extension header (two Destination Options), so more than this is
// not a packet worth reading further.
const maxExtHeaders = 8

// Extension header and other protocol numbers (IANA).
const (
	hopByHop = 0
	routing  = 43
	fragment = 44
	ah       = 51
	destOpts = 60
)

// Upper returns the upper-layer protocol of the IPv6 packet pkt and the
// offset of its header. ok is false for a packet too short for its own
// headers or with more than maxExtHeaders of them. first is false for a
// fragment other than the first, whose upper-layer header is elsewhere
// (RFC 8200 §4.5); off is then the end of the Fragment header.
func Upper(pkt []byte) (proto uint8, off int, first, ok bool) {
	if len(pkt) < HeaderLen || pkt[0]>>4 != 6 {
		return 0, 0, false, false
	}
	proto, off = pkt[6], HeaderLen
	for range maxExtHeaders {
		var n int
		switch proto {
		case hopByHop, routing, destOpts:
			if len(pkt) < off+8 {
				return 0, 0, false, false
			}
			n = 8 + int(pkt[off+1])*8 // RFC 8200 §4.3, §4.4, §4.6
		case ah:
			if len(pkt) < off+8 {
				return 0, 0, false, false
			}
			n = (int(pkt[off+1]) + 2) * 4 // RFC 4302 §2.2
		case fragment:
			if len(pkt) < off+8 {
				return 0, 0, false, false
			}
			if binary.BigEndian.Uint16(pkt[off+2:])&^7 != 0 {
				return pkt[off], off + 8, false, true
			}
			n = 8 // RFC 8200 §4.5
		default:
			return proto, off, true, true
		}
		proto = pkt[off]
		off += n
		if off > len(pkt) {
			return 0, 0, false, false
		}
	}
	return 0, 0, false, false
}
