package xlat

import (
	"encoding/binary"
	"errors"
	"net/netip"
)

// Why a packet is not translated.
var (
	ErrMalformed = errors.New("xlat: malformed packet")
	ErrFragment  = errors.New("xlat: a fragment")
	ErrProtocol  = errors.New("xlat: protocol not translated")
	ErrFamily    = errors.New("xlat: address of the other family")
)

// IP protocol numbers (IANA).
const (
	protoICMP   = 1
	protoTCP    = 6
	protoUDP    = 17
	protoICMPv6 = 58
)

// IPv6 extension headers a translated packet may carry (RFC 8200 §4):
// neither changes what the transport checksum covers. A Routing header
// does (the pseudo-header holds the final destination, §8.1) and a
// Fragment header means a fragment.
const (
	hopByHop = 0
	destOpts = 60
)

// maxExtHeaders bounds the walk over IPv6 extension headers.
const maxExtHeaders = 8

// SetSource replaces the source address of the IPv4 or IPv6 packet pkt
// with a, of the same family, and updates the checksums that cover it.
// Only TCP, UDP, ICMP and ICMPv6 packets that are not fragments are
// translated; anything else is left as it was and reported by the error.
func SetSource(pkt []byte, a netip.Addr) error { return set(pkt, a, true) }

// SetDestination is SetSource for the destination address.
func SetDestination(pkt []byte, a netip.Addr) error { return set(pkt, a, false) }

func set(pkt []byte, a netip.Addr, src bool) error {
	if len(pkt) < 1 {
		return ErrMalformed
	}
	switch pkt[0] >> 4 {
	case 4:
		return set4(pkt, a, src)
	case 6:
		return set6(pkt, a, src)
	}
	return ErrMalformed
}

func set4(pkt []byte, a netip.Addr, src bool) error {
	if !a.Is4() {
		return ErrFamily
	}
	if len(pkt) < 20 {
		return ErrMalformed
	}
	ihl := int(pkt[0]&0x0f) * 4
	total := int(binary.BigEndian.Uint16(pkt[2:]))
	if ihl < 20 || total < ihl || total > len(pkt) {
		return ErrMalformed
	}
	// More Fragments set or a non-zero offset (RFC 791 §3.1).
	if binary.BigEndian.Uint16(pkt[6:])&0x3fff != 0 {
		return ErrFragment
	}
	csum, err := transportChecksum(pkt[9], pkt[ihl:total], false)
	if err != nil {
		return err
	}
	off := 16
	if src {
		off = 12
	}
	field := pkt[off : off+4]
	b := a.As4()
	if csum != nil {
		update(csum, field, b[:], pkt[9] == protoUDP)
	}
	update(pkt[10:12], field, b[:], false)
	copy(field, b[:])
	return nil
}

func set6(pkt []byte, a netip.Addr, src bool) error {
	if !a.Is6() || a.Is4In6() {
		return ErrFamily
	}
	if len(pkt) < 40 {
		return ErrMalformed
	}
	end := 40 + int(binary.BigEndian.Uint16(pkt[4:]))
	if end > len(pkt) {
		return ErrMalformed
	}
	proto, off, err := upper6(pkt[:end])
	if err != nil {
		return err
	}
	csum, err := transportChecksum(proto, pkt[off:end], true)
	if err != nil {
		return err
	}
	pos := 24
	if src {
		pos = 8
	}
	field := pkt[pos : pos+16]
	b := a.As16()
	update(csum, field, b[:], proto == protoUDP)
	copy(field, b[:])
	return nil
}

// upper6 finds the transport header of an IPv6 packet behind Hop-by-Hop
// and Destination Options headers.
func upper6(pkt []byte) (proto uint8, off int, err error) {
	proto, off = pkt[6], 40
	for range maxExtHeaders {
		switch proto {
		case hopByHop, destOpts:
			if len(pkt) < off+8 {
				return 0, 0, ErrMalformed
			}
			proto, off = pkt[off], off+8+int(pkt[off+1])*8
			if off > len(pkt) {
				return 0, 0, ErrMalformed
			}
		case 44: // Fragment (RFC 8200 §4.5)
			return 0, 0, ErrFragment
		default:
			return proto, off, nil
		}
	}
	return 0, 0, ErrMalformed
}

// transportChecksum returns the checksum field of the transport header
// l4 that covers the addresses, nil for ICMPv4, whose checksum does not
// (RFC 792), or an error for a protocol not translated or a header cut
// short.
func transportChecksum(proto uint8, l4 []byte, v6 bool) ([]byte, error) {
	var at, need int
	switch {
	case proto == protoTCP:
		at, need = 16, 20
	case proto == protoUDP:
		at, need = 6, 8
	case proto == protoICMPv6 && v6:
		at, need = 2, 4
	case proto == protoICMP && !v6:
		if len(l4) < 4 {
			return nil, ErrMalformed
		}
		return nil, nil
	default:
		return nil, ErrProtocol
	}
	if len(l4) < need {
		return nil, ErrMalformed
	}
	return l4[at : at+2], nil
}

// update adjusts the ones' complement checksum stored in field for the
// bytes old becoming new (both of even length), by RFC 1624 eqn. 3:
// HC' = ~(~HC + ~m + m'). A UDP checksum of zero means none was computed
// (RFC 768) and stays zero; a computed one that comes out zero is sent as
// all ones.
func update(field, old, new []byte, udp bool) {
	hc := binary.BigEndian.Uint16(field)
	if udp && hc == 0 {
		return
	}
	sum := uint32(^hc)
	for i := 0; i+1 < len(old); i += 2 {
		sum += uint32(^binary.BigEndian.Uint16(old[i:]))
		sum += uint32(binary.BigEndian.Uint16(new[i:]))
	}
	for sum>>16 != 0 {
		sum = sum&0xffff + sum>>16
	}
	res := ^uint16(sum)
	if udp && res == 0 {
		res = 0xffff
	}
	binary.BigEndian.PutUint16(field, res)
}
