package linux

import (
	"net/netip"

	"github.com/espressovpn/espresso/platform"
	"golang.org/x/sys/unix"
)

// killSwitchMetric ranks the kill switch's unreachable routes behind the
// tunnel's own routes to the same prefixes, so they only take effect once
// the TUN device, and with it the tunnel routes, has gone.
const killSwitchMetric = 0xffff

// ipv6LinkLocal is kept out of the tunnel even under a ::/0 selector:
// neighbour discovery and router advertisements on the physical links
// must keep working (RFC 4861 uses link-local addresses).
var ipv6LinkLocal = netip.MustParsePrefix("fe80::/10")

// state is the set of kernel objects a Config asks for, in the order they
// are installed.
type state struct {
	addrs  []addrSpec
	routes []routeSpec
	rules  []ruleSpec
}

// plan computes what the kernel must hold for c (with defaults applied)
// on the TUN device dev.
func plan(c *platform.Config, dev string) state {
	var s state
	for _, v := range c.VirtualIPs {
		s.addrs = append(s.addrs, addrSpec{Dev: dev, Prefix: v})
	}
	// The routes that keep traffic out of the tunnel go in before the
	// routes into it, so that re-applying a Config whose rule is already
	// in place never routes the peer into the tunnel, even briefly.
	families := map[int]bool{}
	for is4 := range c.RoutedFamilies() {
		if is4 {
			families[unix.AF_INET] = true
		} else {
			families[unix.AF_INET6] = true
		}
	}
	if c.NeedsPeerExclusion() {
		// kernel-libipsec's exclusion route: the peer stays reachable
		// over the path it had before the tunnel came up.
		s.routes = append(s.routes, routeSpec{
			Table:   c.Table,
			Type:    routeUnicast,
			Dst:     netip.PrefixFrom(c.Peer.Unmap(), c.Peer.Unmap().BitLen()),
			Dev:     c.PeerNextHop.Interface,
			Gateway: c.PeerNextHop.Gateway,
		})
	}
	for _, ex := range c.Exclude {
		if families[family(ex.Addr())] {
			s.routes = append(s.routes, routeSpec{Table: c.Table, Type: routeThrow, Dst: ex})
		}
	}
	if families[unix.AF_INET6] && (coversLinkLocal(c.RemoteSelectors) || coversLinkLocal(c.Blocked)) {
		s.routes = append(s.routes, routeSpec{Table: c.Table, Type: routeThrow, Dst: ipv6LinkLocal})
	}
	for _, ts := range c.RemoteSelectors {
		s.routes = append(s.routes, routeSpec{
			Table: c.Table,
			Type:  routeUnicast,
			Dst:   ts,
			Dev:   dev,
			Src:   sourceFor(c.VirtualIPs, ts.Addr()),
		})
	}
	// What the profile asked for and the gateway did not grant is
	// refused rather than sent in the clear; the tunnel's routes, more
	// specific, keep what was granted.
	for _, b := range c.Blocked {
		s.routes = append(s.routes, routeSpec{Table: c.Table, Type: routeUnreachable, Dst: b})
	}
	if c.KillSwitch {
		for _, ts := range c.RemoteSelectors {
			s.routes = append(s.routes, routeSpec{
				Table:  c.Table,
				Type:   routeUnreachable,
				Dst:    ts,
				Metric: killSwitchMetric,
			})
		}
	}
	for _, f := range []int{unix.AF_INET, unix.AF_INET6} {
		if !families[f] {
			continue
		}
		r := ruleSpec{Family: f, Table: c.Table, Priority: c.RulePriority}
		if c.FwMark != 0 {
			// "not fwmark": the IKE and ESP sockets' own packets keep
			// the main table even when a selector covers the peer.
			r.Mark = c.FwMark
			r.Invert = true
		}
		s.rules = append(s.rules, r)
	}
	return s
}

// sourceFor picks the virtual IP of dst's family as the routes' preferred
// source, so that traffic leaving through the tunnel carries the address
// the gateway assigned. None (on-demand, before IKE_AUTH) leaves the choice
// to the kernel.
func sourceFor(vips []netip.Prefix, dst netip.Addr) netip.Addr {
	for _, v := range vips {
		if v.Addr().Is4() == dst.Is4() {
			return v.Addr()
		}
	}
	return netip.Addr{}
}

func coversLinkLocal(ts []netip.Prefix) bool {
	for _, p := range ts {
		if p.Overlaps(ipv6LinkLocal) && p.Bits() <= ipv6LinkLocal.Bits() {
			return true
		}
	}
	return false
}
