package wire

import (
	"encoding/binary"
	"fmt"
	"net/netip"
)

// TSType is the TS Type of a traffic selector (RFC 7296 §3.13.1).
type TSType uint8

// Traffic selector types (RFC 7296 §3.13.1).
const (
	TSIPv4AddrRange TSType = 7
	TSIPv6AddrRange TSType = 8
)

// Selector lengths of the two types: type, protocol, length, two ports and
// two addresses (RFC 7296 §3.13.1).
const (
	tsIPv4Len = 8 + 2*4
	tsIPv6Len = 8 + 2*16
)

// TrafficSelector is one traffic selector (RFC 7296 §3.13.1): an address
// range, an IP protocol (0 for any) and a port range (0-65535 for any; for
// ICMP the ports hold type and code). Start and End are of one family, which
// gives the TS Type.
type TrafficSelector struct {
	IPProtocol uint8
	StartPort  uint16
	EndPort    uint16
	Start, End netip.Addr
}

// TSi is the Traffic Selector - Initiator payload (RFC 7296 §3.13).
type TSi struct {
	Selectors []TrafficSelector
}

// TSr is the Traffic Selector - Responder payload (RFC 7296 §3.13).
type TSr struct {
	Selectors []TrafficSelector
}

// Type returns PayloadTSi.
func (*TSi) Type() PayloadType { return PayloadTSi }

// Type returns PayloadTSr.
func (*TSr) Type() PayloadType { return PayloadTSr }

// AppendBody appends the selectors.
func (ts *TSi) AppendBody(b []byte) ([]byte, error) { return appendSelectors(b, ts.Selectors) }

// AppendBody appends the selectors.
func (ts *TSr) AppendBody(b []byte) ([]byte, error) { return appendSelectors(b, ts.Selectors) }

// SelectorFromPrefix returns the selector covering every address of p, any
// protocol and any port. An invalid prefix gives the zero selector, which
// does not encode.
func SelectorFromPrefix(p netip.Prefix) TrafficSelector {
	if !p.IsValid() {
		return TrafficSelector{}
	}
	p = p.Masked()
	start := p.Addr()
	end := start.AsSlice()
	for i := p.Bits(); i < len(end)*8; i++ {
		end[i/8] |= 0x80 >> (i % 8)
	}
	last, _ := netip.AddrFromSlice(end)
	return TrafficSelector{StartPort: 0, EndPort: 0xffff, Start: start, End: last}
}

// Type returns the TS Type of the selector's address family.
func (s TrafficSelector) Type() TSType {
	if s.Start.Is4() {
		return TSIPv4AddrRange
	}
	return TSIPv6AddrRange
}

// String renders the selector like strongSwan's logs, e.g.
// "203.0.113.0..203.0.113.255[6/0-65535]".
func (s TrafficSelector) String() string {
	return fmt.Sprintf("%v..%v[%d/%d-%d]", s.Start, s.End, s.IPProtocol, s.StartPort, s.EndPort)
}

func appendSelectors(b []byte, sel []TrafficSelector) ([]byte, error) {
	start := len(b)
	if len(sel) > 0xff {
		return b, invalid("%d traffic selectors", len(sel))
	}
	b = append(b, byte(len(sel)), 0, 0, 0)
	for _, s := range sel {
		n := tsIPv6Len
		switch {
		case s.Start.Is4() && s.End.Is4():
			n = tsIPv4Len
		case s.Start.Is6() && s.End.Is6() && !s.Start.Is4In6() && !s.End.Is4In6():
		default:
			return b[:start], invalid("traffic selector %v..%v", s.Start, s.End)
		}
		b = append(b, byte(s.Type()), s.IPProtocol)
		b = binary.BigEndian.AppendUint16(b, uint16(n))
		b = binary.BigEndian.AppendUint16(b, s.StartPort)
		b = binary.BigEndian.AppendUint16(b, s.EndPort)
		b = append(b, s.Start.AsSlice()...)
		b = append(b, s.End.AsSlice()...)
	}
	return b, nil
}

func parseSelectors(b []byte) ([]TrafficSelector, error) {
	if len(b) < 4 {
		return nil, truncated("TS payload", 4, len(b))
	}
	count := int(b[0])
	b = b[4:]
	sel := make([]TrafficSelector, 0, min(count, len(b)/tsIPv4Len))
	for i := 0; i < count; i++ {
		if len(b) < 4 {
			return nil, truncated("traffic selector", 4, len(b))
		}
		typ, n := TSType(b[0]), int(binary.BigEndian.Uint16(b[2:4]))
		switch {
		case typ == TSIPv4AddrRange && n != tsIPv4Len, typ == TSIPv6AddrRange && n != tsIPv6Len:
			return nil, malformed("%d-byte selector of type %d", n, typ)
		case typ != TSIPv4AddrRange && typ != TSIPv6AddrRange:
			return nil, malformed("traffic selector type %d", typ)
		case n > len(b):
			return nil, truncated("traffic selector", n, len(b))
		}
		s := TrafficSelector{
			IPProtocol: b[1],
			StartPort:  binary.BigEndian.Uint16(b[4:6]),
			EndPort:    binary.BigEndian.Uint16(b[6:8]),
		}
		alen := (n - 8) / 2
		s.Start, _ = netip.AddrFromSlice(b[8 : 8+alen])
		s.End, _ = netip.AddrFromSlice(b[8+alen : n])
		sel = append(sel, s)
		b = b[n:]
	}
	if len(b) != 0 {
		return nil, malformed("%d bytes after %d traffic selectors", len(b), count)
	}
	return sel, nil
}
