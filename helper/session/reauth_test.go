package session

import (
	"net/netip"
	"slices"
	"testing"
	"testing/synctest"

	"github.com/espressovpn/espresso/ipsec/ike"
	"github.com/espressovpn/espresso/platform/platformtest"
)

// reauthEvent is the event of a reauthentication that keeps or changes
// the virtual IP.
func reauthEvent(v netip.Addr, changed bool) *ike.Reauthenticated {
	local := []netip.Prefix{netip.PrefixFrom(v, 32)}
	return &ike.Reauthenticated{
		IKEProposal: "aes128gcm16-prfsha256-ecp256", ESPProposal: "aes128gcm16",
		VirtualIPs: []netip.Addr{v}, DNS: []netip.Addr{lanDNS},
		Child:             ike.ChildInfo{Encap: true, LocalTS: local, RemoteTS: []netip.Prefix{anyV4}},
		VirtualIPsChanged: changed,
	}
}

// TestReauthenticatedKeepsTunnel: a reauthentication with the same virtual
// IP changes what the status shows of the SAs, leaves the system as it is
// and keeps the connection's uptime.
func TestReauthenticatedKeepsTunnel(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		n, neg, s, f := dialEstablished(t, []netip.Prefix{anyV4})
		before := s.Info()
		sets := countOps(n, platformtest.OpSet)
		f.opts.OnEvent(reauthEvent(vip, false))
		synctest.Wait()
		after := s.Info()
		if after.IKEProposal != "aes128gcm16-prfsha256-ecp256" || after.ESPProposal != "aes128gcm16" {
			t.Fatalf("proposals after the reauthentication: %q, %q", after.IKEProposal, after.ESPProposal)
		}
		if !after.EstablishedAt.Equal(before.EstablishedAt) || !slices.Equal(after.VirtualIPs, before.VirtualIPs) ||
			after.NATDetected != before.NATDetected {
			t.Errorf("info after the reauthentication %+v, want the same connection as %+v", after, before)
		}
		if got := countOps(n, platformtest.OpSet); got != sets {
			t.Errorf("the reauthentication configured the system again (%d Set calls, want %d)", got, sets)
		}
		if ended(s) {
			t.Fatalf("the session ended: %v", s.Err())
		}
		select {
		case <-neg.started:
			t.Error("the reauthentication started a new negotiation")
		default:
		}
	})
}

// TestReauthenticatedNewVirtualIP: a gateway that assigns another virtual
// IP on reauthentication gets the system configured for it.
func TestReauthenticatedNewVirtualIP(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		n, _, s, f := dialEstablished(t, []netip.Prefix{anyV4})
		sets := countOps(n, platformtest.OpSet)
		other := netip.MustParseAddr("198.18.0.9")
		f.opts.OnEvent(reauthEvent(other, true))
		synctest.Wait()
		ops := opsOf(n, platformtest.OpSet)
		if len(ops) <= sets {
			t.Fatal("the system was not configured for the new virtual IP")
		}
		if got := ops[len(ops)-1].Config.VirtualIPs; !slices.Equal(got, []netip.Prefix{netip.PrefixFrom(other, 32)}) {
			t.Errorf("virtual IPs configured %v, want %v", got, other)
		}
		if got := s.Info().VirtualIPs; !slices.Equal(got, []netip.Addr{other}) {
			t.Errorf("status shows virtual IPs %v, want %v", got, other)
		}
	})
}
