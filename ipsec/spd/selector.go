// Package spd is the security policy database: traffic selectors (RFC 4301
// §4.4.1, RFC 7296 §3.13) and a longest-prefix-match table from a packet's
// flow to the policy that covers it.
package spd

import "net/netip"

// PortRange is an inclusive range of ports; the zero value means any port.
type PortRange struct {
	Lo, Hi uint16
}

// Any reports whether r places no restriction.
func (r PortRange) Any() bool { return r.Lo == 0 && (r.Hi == 0 || r.Hi == 0xffff) }

// Contains reports whether p lies in r.
func (r PortRange) Contains(p uint16) bool { return r.Any() || (p >= r.Lo && p <= r.Hi) }

// Selector is one pair of traffic selectors seen from this host: packets
// from Local to Remote, narrowed by protocol and ports where they are set.
// IKE address ranges that are not prefixes are split into several
// selectors by the caller (see RangePrefixes).
type Selector struct {
	Local, Remote netip.Prefix
	// Proto is the IP protocol number, 0 for any.
	Proto       uint8
	LocalPorts  PortRange
	RemotePorts PortRange
}

// Flow is what a policy lookup sees of a packet.
type Flow struct {
	Src, Dst         netip.Addr
	Proto            uint8
	SrcPort, DstPort uint16
}

// Outbound reports whether a packet leaving this host with flow f is covered.
func (s Selector) Outbound(f Flow) bool {
	return s.Local.Contains(f.Src) && s.Remote.Contains(f.Dst) && s.rest(f.Proto, f.SrcPort, f.DstPort)
}

// Inbound reports whether a decrypted packet arriving with flow f is covered:
// it must come from Remote and go to Local (RFC 4301 §5.2 step 4).
func (s Selector) Inbound(f Flow) bool {
	return s.Remote.Contains(f.Src) && s.Local.Contains(f.Dst) && s.rest(f.Proto, f.DstPort, f.SrcPort)
}

func (s Selector) rest(proto uint8, local, remote uint16) bool {
	if s.Proto != 0 && s.Proto != proto {
		return false
	}
	return s.LocalPorts.Contains(local) && s.RemotePorts.Contains(remote)
}

// narrower orders selectors that share a remote prefix: a longer local prefix,
// then a protocol, then port ranges make a selector more specific.
func (s Selector) narrower(o Selector) bool {
	if s.Local.Bits() != o.Local.Bits() {
		return s.Local.Bits() > o.Local.Bits()
	}
	if (s.Proto != 0) != (o.Proto != 0) {
		return s.Proto != 0
	}
	return !s.LocalPorts.Any() && o.LocalPorts.Any() || !s.RemotePorts.Any() && o.RemotePorts.Any()
}

// RangePrefixes splits the address range [from, to] of an IKE traffic
// selector (RFC 7296 §3.13.1) into the fewest prefixes that cover it exactly.
// It returns nil if the addresses differ in family or from > to.
func RangePrefixes(from, to netip.Addr) []netip.Prefix {
	if from.BitLen() != to.BitLen() || to.Less(from) {
		return nil
	}
	var out []netip.Prefix
	for {
		bits := from.BitLen()
		// Grow the prefix at from while it stays aligned and inside the range.
		for bits > 0 {
			p, _ := from.Prefix(bits - 1)
			if p.Addr() != from || to.Less(lastAddr(p)) {
				break
			}
			bits--
		}
		p := netip.PrefixFrom(from, bits)
		out = append(out, p)
		last := lastAddr(p)
		if last == to {
			return out
		}
		from = last.Next()
	}
}

// lastAddr returns the highest address of p.
func lastAddr(p netip.Prefix) netip.Addr {
	a := p.Masked().Addr().AsSlice()
	for i := p.Bits(); i < len(a)*8; i++ {
		a[i/8] |= 0x80 >> (i % 8)
	}
	r, _ := netip.AddrFromSlice(a)
	return r
}
