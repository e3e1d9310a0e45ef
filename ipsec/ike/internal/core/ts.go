package core

import (
	"net/netip"

	"github.com/espressovpn/espresso/ipsec/ike/wire"
	"github.com/espressovpn/espresso/ipsec/spd"
)

// WireSelectors turns prefixes into traffic selectors of any protocol and port.
func WireSelectors(ps []netip.Prefix) []wire.TrafficSelector {
	out := make([]wire.TrafficSelector, 0, len(ps))
	for _, p := range ps {
		out = append(out, wire.SelectorFromPrefix(p))
	}
	return out
}

// intersect returns the part of a selector inside b, if any: the address
// ranges intersected, and the narrower protocol and port range.
func intersect(a, b wire.TrafficSelector) (wire.TrafficSelector, bool) {
	if a.Start.Is4() != b.Start.Is4() {
		return wire.TrafficSelector{}, false
	}
	r := a
	if b.Start.Compare(r.Start) > 0 {
		r.Start = b.Start
	}
	if b.End.Compare(r.End) < 0 {
		r.End = b.End
	}
	switch {
	case r.IPProtocol == 0:
		r.IPProtocol = b.IPProtocol
	case b.IPProtocol != 0 && b.IPProtocol != r.IPProtocol:
		return wire.TrafficSelector{}, false
	}
	r.StartPort = max(a.StartPort, b.StartPort)
	r.EndPort = min(a.EndPort, b.EndPort)
	if r.Start.Compare(r.End) > 0 || r.StartPort > r.EndPort {
		return wire.TrafficSelector{}, false
	}
	return r, true
}

// narrow returns the parts of the peer's proposal inside what we allow
// (RFC 7296 §2.9), each result once.
func narrow(proposed, allowed []wire.TrafficSelector) []wire.TrafficSelector {
	var out []wire.TrafficSelector
	for _, p := range proposed {
		for _, a := range allowed {
			if r, ok := intersect(p, a); ok && !containsTS(out, r) {
				out = append(out, r)
			}
		}
	}
	return out
}

func containsTS(ts []wire.TrafficSelector, s wire.TrafficSelector) bool {
	for _, t := range ts {
		if t == s {
			return true
		}
	}
	return false
}

// subsetOf reports whether every selector of got lies inside one we
// proposed: a responder may only narrow (RFC 7296 §2.9).
func subsetOf(got, proposed []wire.TrafficSelector) bool {
	if len(got) == 0 {
		return false
	}
	for _, g := range got {
		ok := false
		for _, p := range proposed {
			if r, in := intersect(g, p); in && r == g {
				ok = true
				break
			}
		}
		if !ok {
			return false
		}
	}
	return true
}

// PolicySelectors are the data path's selectors of a Child SA whose local
// and remote traffic selectors are lts and rts: every pair of one local
// and one remote selector of the same family, with the narrower of their
// protocols and each side's port range, so that inbound packets are
// checked against the negotiated protocol and ports, not the addresses
// alone (RFC 4301 §5.2 step 4). A pair whose protocols differ covers
// nothing. For ICMP, ICMPv6 and Mobility Header the port fields carry a
// message type and code (RFC 4301 §4.4.1.3), which spd.Flow does not
// hold; such selectors are checked by protocol and addresses.
func PolicySelectors(lts, rts []wire.TrafficSelector) []spd.Selector {
	var out []spd.Selector
	for _, l := range lts {
		for _, r := range rts {
			if l.Start.Is4() != r.Start.Is4() {
				continue
			}
			proto := l.IPProtocol
			switch {
			case proto == 0:
				proto = r.IPProtocol
			case r.IPProtocol != 0 && r.IPProtocol != proto:
				continue
			}
			var lp, rp spd.PortRange
			if !typeCodePorts(proto) {
				lp = spd.PortRange{Lo: l.StartPort, Hi: l.EndPort}
				rp = spd.PortRange{Lo: r.StartPort, Hi: r.EndPort}
			}
			for _, la := range rangePrefixes(l.Start, l.End) {
				for _, ra := range rangePrefixes(r.Start, r.End) {
					out = append(out, spd.Selector{Local: la, Remote: ra, Proto: proto, LocalPorts: lp, RemotePorts: rp})
				}
			}
		}
	}
	return out
}

// typeCodePorts reports whether a selector's ports are a message type and
// code for proto: ICMP (1), ICMPv6 (58) and Mobility Header (135).
func typeCodePorts(proto uint8) bool {
	return proto == 1 || proto == 58 || proto == 135
}

// prefixes covers the address ranges of selectors with prefixes, for the
// data path's routing and policy (ports and protocols are not used there).
func prefixes(ts []wire.TrafficSelector) []netip.Prefix {
	var out []netip.Prefix
	for _, s := range ts {
		out = append(out, rangePrefixes(s.Start, s.End)...)
	}
	return out
}

// rangePrefixes splits [start, end] into the fewest prefixes.
func rangePrefixes(start, end netip.Addr) []netip.Prefix {
	var out []netip.Prefix
	bits := start.BitLen()
	for start.IsValid() && start.Compare(end) <= 0 {
		// The longest prefix at start that stays within end.
		l := bits
		for l > 0 {
			p := netip.PrefixFrom(start, l-1).Masked()
			if p.Addr() != start || lastAddr(p).Compare(end) > 0 {
				break
			}
			l--
		}
		p := netip.PrefixFrom(start, l)
		out = append(out, p)
		last := lastAddr(p)
		if last == end {
			break
		}
		start = last.Next()
	}
	return out
}

// lastAddr is the highest address of p.
func lastAddr(p netip.Prefix) netip.Addr {
	return wire.SelectorFromPrefix(p).End
}
