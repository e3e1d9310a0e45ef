package e2e

import (
	"net/netip"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/espressovpn/espresso/helper/api"
	"github.com/espressovpn/espresso/helper/e2e/lab"
	"github.com/espressovpn/espresso/platform/linux/testnet"
)

// movedClientV4 is the client's outer address after its network changed.
var movedClientV4 = netip.MustParseAddr("192.0.2.3")

// followBound is how long the tunnel may take to follow an address
// change: the monitor's settling time (a second), then one exchange.
const followBound = 15 * time.Second

var (
	gwIKESPIs = regexp.MustCompile(`([0-9a-f]{16}_i)\*? ([0-9a-f]{16}_r)`)
	gwRemote  = regexp.MustCompile(`remote '[^']*' @ ([0-9a-f.:]+)\[(\d+)\]`)
)

// gatewayIKE returns the IKE SPIs and the client's endpoint of the IKE SA
// the gateway lists, if it lists exactly one established.
func gatewayIKE(listSAs string) (spis string, remote netip.AddrPort, ok bool) {
	if strings.Count(listSAs, "ESTABLISHED") != 1 {
		return "", remote, false
	}
	m := gwIKESPIs.FindStringSubmatch(listSAs)
	rm := gwRemote.FindStringSubmatch(listSAs)
	if m == nil || rm == nil {
		return "", remote, false
	}
	remote, err := netip.ParseAddrPort(rm[1] + ":" + rm[2])
	return m[1] + " " + m[2], remote, err == nil
}

// moveClient gives the client's outer interface movedClientV4 instead of
// its address, as a new network would, keeping the default route.
func moveClient(t *testing.T, ns *testnet.Namespace) {
	t.Helper()
	ns.MustRun("sysctl", "-qw", "net.ipv4.conf.eth0.promote_secondaries=1")
	ns.MustRun("ip", "addr", "add", movedClientV4.String()+"/24", "dev", "eth0")
	ns.MustRun("ip", "addr", "del", testnet.ClientV4.String()+"/24", "dev", "eth0")
	ns.MustRun("ip", "route", "replace", "default", "via", testnet.GatewayV4.String())
}

// helperSocketsBound returns the local address of the helper's UDP
// sockets towards the gateway when they are bound to a specific one.
func helperSocketsBound(t *testing.T, r *rig) (netip.Addr, bool) {
	t.Helper()
	out, err := r.top.Client.Run("ss", "-unaH")
	if err != nil {
		t.Fatal(err)
	}
	for l := range strings.SplitSeq(out, "\n") {
		f := strings.Fields(l)
		if len(f) < 5 || !strings.HasPrefix(f[3], testnet.ClientV4.String()+":") {
			continue
		}
		return testnet.ClientV4, true
	}
	return netip.Addr{}, false
}

// TestMOBIKEAddressChange changes the client's outer address under a
// running ping (the new address comes, the old goes, the default route
// stays): the helper's monitor reports it, the session tells the IKE
// daemon, whose UPDATE_SA_ADDRESSES (RFC 4555 §3.5) moves the IKE SA and
// the Child SA: the gateway lists the same IKE SA (same SPIs) at the new
// address, the connection is never re-established, and the ping goes on.
func TestMOBIKEAddressChange(t *testing.T) {
	r := newRig(t, false)
	r.h.Import(lab.PSKProfile("work"))
	followMove(t, r)
}

// TestMOBIKEFullTunnel moves the client's address under a full tunnel,
// whose remote traffic selector covers the gateway's own address: with
// the exclusion route that keeps IKE and ESP out of the tunnel, and with
// allow_peer_ts, where the sockets' fwmark takes them past the tunnel's
// routing rule instead (the selector names the gateway exactly). Either
// way the SAs follow the move through MOBIKE and the ping goes on.
func TestMOBIKEFullTunnel(t *testing.T) {
	for _, tc := range []struct {
		name     string
		remoteTS []string
		peerTS   bool
	}{
		{"exclusion-route", []string{"0.0.0.0/0"}, false},
		{"allow-peer-ts", []string{testnet.GatewayV4.String() + "/32", testnet.LANV4.String()}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			bins := binaries(t)
			top := testnet.NewTopology(t, testnet.Options{})
			lab.IsolateLAN(t, top)
			gw := lab.StartGatewayWith(t, top, func(c *testnet.CharonConfig) {
				c.Conns[0].LocalTS = tc.remoteTS
			})
			r := &rig{top: top, gw: gw, h: lab.StartHelper(t, top.Client, bins)}
			p := lab.PSKProfile("work")
			p.RemoteTS = tc.remoteTS
			p.AllowPeerTS = tc.peerTS
			r.h.Import(p)
			followMove(t, r)
		})
	}
}

// followMove brings "work" up, moves the client's address under a ping
// and checks that the SAs followed through MOBIKE.
func followMove(t *testing.T, r *rig) {
	t.Helper()
	w := watch(t, r.h, "work")
	r.up(t, "work")
	if a, bound := helperSocketsBound(t, r); bound {
		t.Fatalf("the helper's IKE and NAT-T sockets are bound to %v: MOBIKE can only move sockets bound to the unspecified address", a)
	}
	st, err := r.h.Status("work")
	if err != nil {
		t.Fatal(err)
	}
	if st.State != api.StateConnected || len(st.VirtualIPs) != 1 {
		t.Fatalf("status %+v", st)
	}
	vip, err := netip.ParseAddr(st.VirtualIPs[0])
	if err != nil {
		t.Fatal(err)
	}
	spis, remote, ok := gatewayIKE(r.gw.ListSAs())
	if !ok || remote.Addr() != testnet.ClientV4 {
		t.Fatalf("the gateway lists no IKE SA with the client at %v:\n%s", testnet.ClientV4, r.gw.ListSAs())
	}
	ping := startPinger(t, r.top.Client, vip, testnet.LANHostV4, 40*time.Second)
	defer ping.stop()
	if _, ok := ping.waitReplyAfter(time.Time{}, 5*time.Second); !ok {
		t.Fatal("no ping through the tunnel before the move")
	}

	moveClient(t, r.top.Client)
	moved := time.Now()
	var now netip.AddrPort
	var nowSPIs string
	for deadline := moved.Add(followBound); time.Now().Before(deadline); time.Sleep(200 * time.Millisecond) {
		if nowSPIs, now, ok = gatewayIKE(r.gw.ListSAs()); ok && now.Addr() == movedClientV4 {
			break
		}
	}
	sas := r.gw.ListSAs()
	if now.Addr() != movedClientV4 {
		t.Fatalf("the gateway does not see the client at %v within %v of the move:\n%s\nstates: %v\n%s", movedClientV4, followBound, sas, w.states(moved), r.h.Log())
	}
	t.Logf("the gateway's IKE SA %s moved from %v to %v in %v", nowSPIs, remote, now, time.Since(moved).Round(time.Millisecond))
	if nowSPIs != spis {
		t.Errorf("the gateway lists another IKE SA (%s, was %s):\n%s", nowSPIs, spis, sas)
	}
	if _, ok := ping.waitReplyAfter(time.Now(), 5*time.Second); !ok {
		t.Error("the ping running since before the move got no reply after it")
	}
	if c, ok := w.first(api.StateReconnecting, moved); ok {
		t.Errorf("the connection was re-established (%s): %v", c.st.LastError, w.states(moved))
	}
	after, err := r.h.Status("work")
	if err != nil || after.State != api.StateConnected || after.EstablishedAt == nil || !after.EstablishedAt.Equal(*st.EstablishedAt) {
		t.Errorf("the connection was re-established or lost: before %+v, after %+v (%v)", st, after, err)
	}
	log := r.h.Log()
	if !strings.Contains(log, "network change") || !strings.Contains(log, "(MOBIKE)") {
		t.Errorf("the helper's log tells neither the network change nor the move:\n%s", log)
	}
	r.h.MustCtl("down", "work")
}

// TestAddressChangeWithoutMOBIKE: against a gateway with MOBIKE off, an
// address change under a running ping makes the helper connect again from
// the new address by itself (the status says reconnecting), within
// followBound, and the ping is answered again.
func TestAddressChangeWithoutMOBIKE(t *testing.T) {
	bins := binaries(t)
	top := testnet.NewTopology(t, testnet.Options{})
	lab.IsolateLAN(t, top)
	gw := lab.StartGatewayWith(t, top, func(c *testnet.CharonConfig) {
		c.Conns[0].Extra = append(c.Conns[0].Extra, "mobike = no")
	})
	r := &rig{top: top, gw: gw, h: lab.StartHelper(t, top.Client, bins)}
	r.h.Import(lab.PSKProfile("work"))
	w := watch(t, r.h, "work")
	r.up(t, "work")
	_, vip := r.connected(t, "work", false)
	ping := startPinger(t, top.Client, netip.Addr{}, testnet.LANHostV4, 40*time.Second)
	defer ping.stop()
	if _, ok := ping.waitReplyAfter(time.Time{}, 5*time.Second); !ok {
		t.Fatal("no ping through the tunnel before the move")
	}

	moveClient(t, top.Client)
	moved := time.Now()
	rc, ok := w.wait(api.StateReconnecting, moved, followBound)
	if !ok {
		t.Fatalf("the status did not say reconnecting within %v of the move: %v", followBound, w.states(moved))
	}
	up, ok := w.wait(api.StateConnected, rc.at, followBound-time.Since(moved))
	if !ok {
		t.Fatalf("not connected again within %v of the move: %v", followBound, w.states(moved))
	}
	t.Logf("lost %v after the move (%s), connected again after %v", rc.at.Sub(moved).Round(time.Millisecond), rc.st.LastError, up.at.Sub(moved).Round(time.Millisecond))
	if _, remote, ok := gatewayIKE(gw.ListSAs()); !ok || remote.Addr() != movedClientV4 {
		t.Errorf("the gateway does not list one IKE SA from %v:\n%s", movedClientV4, gw.ListSAs())
	}
	if _, ok := ping.waitReplyAfter(up.at, 10*time.Second); !ok {
		t.Errorf("the ping running since before the move got no reply after the reconnection (virtual IP was %v, now %v)", vip, up.st.VirtualIPs)
	}
	r.h.MustCtl("down", "work")
}
