package linux

import (
	"fmt"
	"net/netip"
	"strings"

	"github.com/espressovpn/espresso/platform"
	"golang.org/x/sys/unix"
)

// IP protocol numbers the kill switch matches (protoESP is raw ESP's).
const (
	protoTCP    = unix.IPPROTO_TCP
	protoUDP    = unix.IPPROTO_UDP
	protoICMPv6 = unix.IPPROTO_ICMPV6
)

// ICMPv6 types that keep an IPv6 link working under a block: router and
// neighbour discovery (RFC 4861 §4) and MLDv2 reports (RFC 3810 §5.2),
// without which the gateway itself becomes unreachable over IPv6.
var linkICMPv6Types = []uint8{133, 134, 135, 136, 143}

// fwRule is one rule of a kill switch chain: every match that is set must
// hold, then the verdict applies. It is rendered as nft(8)
// syntax for the golden tests and the logs, and turned into nf_tables
// expressions by nftablesFirewall.
type fwRule struct {
	// Family limits the rule to IPv4 or IPv6 (unix.AF_INET, AF_INET6);
	// zero matches both. Dst implies it.
	Family int
	// Iif and Oif match the incoming and outgoing interface's name; a
	// trailing '*' matches every name with that prefix.
	Iif, Oif string
	// Mark matches the packet's mark (the socket's SO_MARK).
	Mark uint32
	// Dst matches the destination address.
	Dst netip.Prefix
	// Proto matches the transport protocol.
	Proto uint8
	// SPort and DPort match UDP or TCP ports (Proto must be set).
	SPort, DPort uint16
	// ICMPType matches an ICMPv6 type (Proto must be protoICMPv6).
	ICMPType uint8
	// Reject refuses the packet with an ICMP "administratively
	// prohibited" error to the local sender, so that applications fail at
	// once instead of waiting for a timeout; otherwise the rule accepts.
	Reject bool
}

func (r fwRule) family() int {
	if r.Dst.IsValid() {
		return family(r.Dst.Addr())
	}
	return r.Family
}

// String renders r as nft(8) writes it.
func (r fwRule) String() string {
	var f []string
	switch {
	case r.Dst.IsValid() && r.Dst.Addr().Is4():
		f = append(f, "ip daddr "+prefixString(r.Dst))
	case r.Dst.IsValid():
		f = append(f, "ip6 daddr "+prefixString(r.Dst))
	case r.Family == unix.AF_INET:
		f = append(f, "meta nfproto ipv4")
	case r.Family == unix.AF_INET6:
		f = append(f, "meta nfproto ipv6")
	}
	if r.Iif != "" {
		f = append(f, fmt.Sprintf("iifname %q", r.Iif))
	}
	if r.Oif != "" {
		f = append(f, fmt.Sprintf("oifname %q", r.Oif))
	}
	if r.Mark != 0 {
		f = append(f, fmt.Sprintf("meta mark %#x", r.Mark))
	}
	names := map[uint8]string{protoTCP: "tcp", protoUDP: "udp", protoESP: "esp", protoICMPv6: "icmpv6"}
	switch {
	case r.Proto == protoICMPv6 && r.ICMPType != 0:
		f = append(f, fmt.Sprintf("icmpv6 type %d", r.ICMPType))
	case r.SPort != 0 || r.DPort != 0:
		if r.SPort != 0 {
			f = append(f, fmt.Sprintf("%s sport %d", names[r.Proto], r.SPort))
		}
		if r.DPort != 0 {
			f = append(f, fmt.Sprintf("%s dport %d", names[r.Proto], r.DPort))
		}
	case r.Proto != 0:
		f = append(f, "meta l4proto "+names[r.Proto])
	}
	if r.Reject {
		f = append(f, "reject with icmpx admin-prohibited")
	} else {
		f = append(f, "accept")
	}
	return strings.Join(f, " ")
}

// prefixString writes a host prefix as a bare address, as nft does.
func prefixString(p netip.Prefix) string {
	if p.IsSingleIP() {
		return p.Addr().String()
	}
	return p.String()
}

// tunPattern turns the TUN name pattern ("espresso%d") into the interface
// match for every device it can produce ("espresso*").
func tunPattern(name string) string {
	if i := strings.Index(name, "%d"); i >= 0 {
		return name[:i] + "*"
	}
	return name
}

// fwHook is the netfilter hook a kill switch chain is attached to.
type fwHook string

// The hooks of a block: what the machine sends itself, and what it
// forwards for others (containers, virtual machines, a shared hotspot),
// which never passes the output hook.
const (
	hookOutput  fwHook = "output"
	hookForward fwHook = "forward"
)

// fwChain is one base chain of a kill switch table, policy accept.
type fwChain struct {
	Hook  fwHook
	Rules []fwRule
}

// blockChains computes the kill switch's chains for b (defaults applied):
// the output chain of blockRules, and a forward chain with the same
// verdicts, so that forwarded traffic cannot go around the block. The
// forward chain first lets through what comes out of the tunnel: the
// answers to what a container sent through it, bound for the container's
// own (often private, so protected) address.
func blockChains(b *platform.BlockConfig, tun string) []fwChain {
	rules := blockRules(b, tun)
	fwd := append([]fwRule{{Iif: tunPattern(tun)}}, rules...)
	return []fwChain{{Hook: hookOutput, Rules: rules}, {Hook: hookForward, Rules: fwd}}
}

// dhcpDestinations are where DHCP's exemption lets its messages go:
// broadcast and link-local for DHCPv4, multicast and link-local for
// DHCPv6 (All_DHCP_Relay_Agents_and_Servers, ff02::1:2, RFC 8415 §7.1).
// A renewal unicast to the server's address (RFC 2131 §4.4.5) is refused
// like any other packet, since nothing tells a DHCP server's address from
// any host's and the exemption would otherwise carry anything on UDP
// 68→67 to anywhere; the client then rebinds by broadcast at T2 and keeps
// its lease.
var dhcpDestinations = struct{ v4, v6 []netip.Prefix }{
	v4: []netip.Prefix{netip.MustParsePrefix("255.255.255.255/32"), netip.MustParsePrefix("169.254.0.0/16")},
	v6: []netip.Prefix{netip.MustParsePrefix("ff00::/8"), netip.MustParsePrefix("fe80::/10")},
}

// blockRules computes the output chain for b (defaults applied). The
// order matters: what must pass is accepted first (loopback, the
// helper's own marked sockets, the profile's fwmark, the tunnel devices,
// IKE and ESP to the gateway), then DNS is refused while the tunnel is down, then the
// exclusions pass, and the protected destinations, or everything under
// BlockOutside, are refused.
func blockRules(b *platform.BlockConfig, tun string) []fwRule {
	rules := []fwRule{{Oif: "lo"}, {Mark: platform.KillSwitchMark}}
	if b.Mark != 0 && b.Mark != platform.KillSwitchMark {
		rules = append(rules, fwRule{Mark: b.Mark})
	}
	rules = append(rules, fwRule{Oif: tunPattern(tun)})
	for _, g := range b.Gateways {
		host := netip.PrefixFrom(g, g.BitLen())
		rules = append(rules,
			fwRule{Dst: host, Proto: protoUDP, DPort: 500},
			fwRule{Dst: host, Proto: protoUDP, DPort: 4500},
			fwRule{Dst: host, Proto: protoESP},
		)
	}
	if !b.Up {
		rules = append(rules,
			fwRule{Proto: protoUDP, DPort: 53, Reject: true},
			fwRule{Proto: protoTCP, DPort: 53, Reject: true},
			fwRule{Proto: protoTCP, DPort: 853, Reject: true},
		)
	}
	for _, ex := range b.Exclude {
		rules = append(rules, fwRule{Dst: ex})
	}
	// What keeps the links themselves working passes even when a
	// protected prefix covers it (::/0 does cover link-local and
	// multicast addresses); it carries no user data.
	for _, t := range linkICMPv6Types {
		rules = append(rules, fwRule{Family: unix.AF_INET6, Proto: protoICMPv6, ICMPType: t})
	}
	for _, d := range dhcpDestinations.v4 {
		rules = append(rules, fwRule{Dst: d, Proto: protoUDP, SPort: 68, DPort: 67})
	}
	for _, d := range dhcpDestinations.v6 {
		rules = append(rules, fwRule{Dst: d, Proto: protoUDP, SPort: 546, DPort: 547})
	}
	if b.BlockOutside {
		return append(rules, fwRule{Reject: true})
	}
	for _, p := range b.Protected {
		rules = append(rules, fwRule{Dst: p, Reject: true})
	}
	return rules
}
