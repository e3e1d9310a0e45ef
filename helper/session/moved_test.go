package session

import (
	"net/netip"
	"slices"
	"testing"
	"testing/synctest"

	"github.com/espressovpn/espresso/ipsec/ike"
	"github.com/espressovpn/espresso/platform"
	"github.com/espressovpn/espresso/platform/platformtest"
)

// TestMovedFollowsPath: after MOBIKE moved the SAs to a new network (the
// path to the gateway now leaves through wlan0 by another router), the
// session applies its configuration again with the new next hop, so that
// the route keeping the gateway's own traffic out of the full tunnel
// follows the path; the tunnel stays as it was otherwise, and the session
// goes on without a new negotiation.
func TestMovedFollowsPath(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		n, neg, s, f := dialEstablished(t, []netip.Prefix{anyV4})
		before := s.Info()
		sets := countOps(n, platformtest.OpSet)

		newLocal := netip.MustParseAddr("198.51.100.7")
		newHop := platform.NextHop{Gateway: netip.MustParseAddr("198.51.100.1"), Interface: "wlan0", Source: newLocal}
		n.SetRoute(gwAddr, newHop)
		f.opts.OnEvent(&ike.Moved{Local: netip.AddrPortFrom(newLocal, 4500), Remote: gwNATT, LocalNAT: true})

		synctest.Wait()
		ops := opsOf(n, platformtest.OpSet)
		if len(ops) <= sets {
			t.Fatal("the configuration was not applied again after the move")
		}
		last := ops[len(ops)-1].Config
		if last.PeerNextHop != newHop || last.Peer != gwAddr || !last.NeedsPeerExclusion() {
			t.Errorf("after the move the exclusion route for %v goes via %+v, want %+v", last.Peer, last.PeerNextHop, newHop)
		}
		if !slices.Equal(last.VirtualIPs, []netip.Prefix{vipNet}) || !slices.Equal(last.RemoteSelectors, []netip.Prefix{anyV4}) ||
			!slices.Equal(last.DNS.Servers, []netip.Addr{lanDNS}) {
			t.Errorf("the move changed the tunnel: virtual IPs %v, routes %v, DNS %v", last.VirtualIPs, last.RemoteSelectors, last.DNS.Servers)
		}
		if got := n.Installed()["work"].PeerNextHop; got != newHop {
			t.Errorf("the system holds the exclusion route via %+v, want %+v", got, newHop)
		}
		if ended(s) {
			t.Fatalf("the session ended: %v", s.Err())
		}
		after := s.Info()
		if !after.EstablishedAt.Equal(before.EstablishedAt) || !after.NATDetected {
			t.Errorf("info after the move %+v, want the same connection with a NAT detected", after)
		}
		select {
		case <-neg.started:
			t.Error("the move started a new negotiation")
		default:
		}
	})
}

// TestMovedWithoutPathKeepsConfig: a move reported when the system has no
// path to the gateway (the network went again meanwhile) leaves the
// configuration as it was rather than remove the exclusion route.
func TestMovedWithoutPathKeepsConfig(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		n, _, s, f := dialEstablished(t, []netip.Prefix{anyV4})
		sets := countOps(n, platformtest.OpSet)
		routes := countOps(n, platformtest.OpRouteTo)
		n.SetRoute(gwAddr, platform.NextHop{})
		f.opts.OnEvent(&ike.Moved{Local: netip.MustParseAddrPort("198.51.100.7:4500"), Remote: gwNATT})
		synctest.Wait()
		if countOps(n, platformtest.OpRouteTo) == routes {
			t.Fatal("the session did not look up the path after the move")
		}
		if got := countOps(n, platformtest.OpSet); got != sets {
			t.Errorf("%d configurations applied after a move without a path, want none", got-sets)
		}
		if got := n.Installed()["work"].PeerNextHop; got != gwHop {
			t.Errorf("the exclusion route goes via %+v, want the old %+v", got, gwHop)
		}
		if ended(s) {
			t.Errorf("the session ended: %v", s.Err())
		}
	})
}

func opsOf(n *testNet, kind string) []platformtest.Op {
	var out []platformtest.Op
	for _, op := range n.Ops() {
		if op.Kind == kind {
			out = append(out, op)
		}
	}
	return out
}

func countOps(n *testNet, kind string) int { return len(opsOf(n, kind)) }
