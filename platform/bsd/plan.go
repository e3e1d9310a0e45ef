package bsd

import (
	"net/netip"
	"slices"

	"github.com/espressovpn/espresso/platform"
)

// routeSpec is a route the package installs. It is comparable, so applied
// routes can be compared with wanted ones, and is what the crash record
// stores.
type routeSpec struct {
	// Dst is the destination prefix.
	Dst netip.Prefix `json:"dst"`
	// Dev and Index name the interface: the route goes through it
	// directly when Gateway is invalid, and it is the scope of a
	// link-local Gateway.
	Dev   string `json:"dev"`
	Index int    `json:"index"`
	// Gateway is the next hop of a route outside the tunnel.
	Gateway netip.Addr `json:"via,omitzero"`
	// Exclusion marks a route that keeps traffic out of the tunnel. These
	// go in before and come out after the tunnel's own routes, so IKE and
	// ESP never loop into the tunnel.
	Exclusion bool `json:"exclusion,omitempty"`
	// Reject marks a route that refuses its destination (RTF_REJECT, as
	// "route add -reject" makes it, through the loopback address held
	// in Gateway): a prefix the gateway did not grant.
	Reject bool `json:"reject,omitempty"`
}

// linkInfo is what planning needs of a TUN device.
type linkInfo struct {
	dev   string
	index int
	vip   netip.Prefix
}

// plan computes the routes c wants, exclusions first. Each remote selector
// goes through the device holding the virtual IP of its family (so the
// kernel picks that address as source), or through the first device when
// no virtual IP has that family: such traffic then at least stays out of
// the clear. broadcastMode says the devices are not point-to-point, so an
// address wider than a host already brought its connected route, which the
// plan must not add again.
func plan(c *platform.Config, links []linkInfo, peer hop, excl map[netip.Prefix]hop, broadcastMode bool) []routeSpec {
	if len(links) == 0 {
		return nil
	}
	var out []routeSpec
	add := func(r routeSpec) {
		if !slices.Contains(out, r) {
			out = append(out, r)
		}
	}
	if c.NeedsPeerExclusion() {
		// kernel-libipsec's exclusion route: the peer keeps the path it
		// had before the tunnel came up.
		add(hopRoute(hostPrefix(c.Peer), peer))
	}
	families := c.RoutedFamilies()
	for _, ex := range c.Exclude {
		h, ok := excl[ex]
		if !ok || !families[ex.Addr().Is4()] || !(overlapsAny(ex, c.RemoteSelectors) || overlapsAny(ex, c.Blocked)) {
			continue
		}
		add(hopRoute(ex, h))
	}
	for _, ts := range c.RemoteSelectors {
		l := linkFor(links, ts.Addr().Is4())
		if broadcastMode && l.vip.IsValid() && !l.vip.IsSingleIP() && l.vip.Masked() == ts {
			continue
		}
		for _, half := range halves(ts) {
			add(routeSpec{Dst: half, Dev: l.dev, Index: l.index})
		}
	}
	// What the profile asked for and the gateway did not grant is
	// refused, not sent in the clear; the selectors' routes, more
	// specific, keep what was granted. A half equal to a selector's route
	// is the selector's.
	for _, b := range c.Blocked {
		for _, half := range halves(b) {
			if slices.ContainsFunc(out, func(r routeSpec) bool { return r.Dst == half }) {
				continue
			}
			add(rejectRoute(half))
		}
	}
	return out
}

// rejectRoute refuses dst: a reject route through the loopback address of
// its family, as "route add -net dst 127.0.0.1 -reject" makes.
func rejectRoute(dst netip.Prefix) routeSpec {
	lo := netip.IPv6Loopback()
	if dst.Addr().Is4() {
		lo = netip.AddrFrom4([4]byte{127, 0, 0, 1})
	}
	return routeSpec{Dst: dst, Gateway: lo, Reject: true}
}

func hopRoute(dst netip.Prefix, h hop) routeSpec {
	return routeSpec{Dst: dst, Dev: h.Dev, Index: h.Index, Gateway: h.Gateway, Exclusion: true}
}

func hostPrefix(a netip.Addr) netip.Prefix {
	a = a.Unmap()
	return netip.PrefixFrom(a, a.BitLen())
}

// linkFor returns the device whose virtual IP has the given family, or the
// first one.
func linkFor(links []linkInfo, is4 bool) linkInfo {
	for _, l := range links {
		if l.vip.IsValid() && l.vip.Addr().Is4() == is4 {
			return l
		}
	}
	return links[0]
}

// halves splits a zero-length prefix into its two /1 halves, which are
// more specific than the default route and so win without replacing it;
// any other prefix is returned alone.
func halves(p netip.Prefix) []netip.Prefix {
	if p.Bits() != 0 {
		return []netip.Prefix{p}
	}
	lo := p.Addr()
	hi := lo.AsSlice()
	hi[0] = 0x80
	h, _ := netip.AddrFromSlice(hi)
	return []netip.Prefix{netip.PrefixFrom(lo, 1), netip.PrefixFrom(h, 1)}
}

func overlapsAny(p netip.Prefix, ps []netip.Prefix) bool {
	for _, q := range ps {
		if p.Overlaps(q) {
			return true
		}
	}
	return false
}
