package e2e

import (
	"fmt"
	"testing"
	"time"

	"github.com/espressovpn/espresso/helper/api"
	"github.com/espressovpn/espresso/helper/e2e/lab"
	"github.com/espressovpn/espresso/platform/linux/testnet"
)

// remapDPD is the profile's liveness interval in TestNATRemap, short to
// keep the test short.
const remapDPD = 10 * time.Second

// remapResume bounds how long a ping may go unanswered after the NAT
// remapped the client's port: the liveness check follows the DPD
// interval of inbound silence, within the second at which the client
// reads its counters for that interval; then one address update, and the
// gateway moving its Child SA (kernel-libipsec rekeys it), take a few
// seconds more.
const remapResume = remapDPD + 8*time.Second

// remapNAT makes the NAT namespace map the client's UDP flows to new
// ports from base on, and forgets its current mappings, as a NAT that
// lost its state does: the client's next packet leaves from a port the
// gateway has never seen, and the gateway's packets to the old one are
// dropped.
func remapNAT(t *testing.T, nat *testnet.Namespace, base int) {
	t.Helper()
	nat.MustRun("nft", "flush chain ip nat post")
	nat.MustRun("nft", fmt.Sprintf("add rule ip nat post oifname out meta l4proto udp masquerade to :%d-%d", base, base+999))
	nat.MustRun("nft", "add rule ip nat post oifname out masquerade")
	nat.MustRun("conntrack", "-F")
}

// TestNATRemap flushes the NAT's mappings under a running ping, once
// shortly after connecting (before any periodic liveness check) and once
// later, each time forcing a new port for the client. Each time the ping
// is answered again within remapResume, the gateway lists the same IKE SA
// at the new port, and the connection is never re-established.
func TestNATRemap(t *testing.T) {
	testnet.RequireRoot(t, "conntrack")
	r := newRig(t, true)
	p := lab.PSKProfile("work")
	p.DPD = remapDPD.String()
	r.h.Import(p)
	w := watch(t, r.h, "work")
	r.up(t, "work")
	st, vip := r.connected(t, "work", true)
	spis, remote, ok := gatewayIKE(r.gw.ListSAs())
	if !ok || remote.Addr() != testnet.NATOutsideV4 {
		t.Fatalf("the gateway lists no IKE SA with the client behind %v:\n%s", testnet.NATOutsideV4, r.gw.ListSAs())
	}
	ping := startPinger(t, r.top.Client, vip, testnet.LANHostV4, 100*time.Second)
	defer ping.stop()
	if _, ok := ping.waitReplyAfter(time.Time{}, 5*time.Second); !ok {
		t.Fatal("no ping through the tunnel before the NAT changed")
	}

	for i, tc := range []struct {
		name  string
		after time.Duration // since the previous step
		base  int
	}{
		{"shortly after connecting", time.Second, 20000},
		{"later", 2 * remapDPD, 30000},
	} {
		time.Sleep(tc.after)
		remapNAT(t, r.top.NAT, tc.base)
		at := time.Now()
		got, ok := ping.waitReplyAfter(at, remapResume)
		if !ok {
			_, now, _ := gatewayIKE(r.gw.ListSAs())
			t.Fatalf("remap %d (%s): no ping reply within %v; the gateway sees the client at %v (was %v):\n%s\nstates: %v\n%s",
				i+1, tc.name, remapResume, now, remote, r.gw.ListSAs(), w.states(at), r.h.Log())
		}
		t.Logf("remap %d (%s): pings answered again after %v", i+1, tc.name, got.Sub(at).Round(100*time.Millisecond))
		nowSPIs, now, ok := gatewayIKE(r.gw.ListSAs())
		if !ok || now.Addr() != testnet.NATOutsideV4 || int(now.Port()) < tc.base || int(now.Port()) > tc.base+999 {
			t.Errorf("remap %d: the gateway sees the client at %v, want %v on a port from %d:\n%s", i+1, now, testnet.NATOutsideV4, tc.base, r.gw.ListSAs())
		}
		if nowSPIs != spis {
			t.Errorf("remap %d: the gateway lists another IKE SA (%s, was %s)", i+1, nowSPIs, spis)
		}
		remote = now
	}
	if c, ok := w.first(api.StateReconnecting, time.Time{}); ok {
		t.Errorf("the connection was re-established (%s): %v", c.st.LastError, w.states(time.Time{}))
	}
	after, err := r.h.Status("work")
	if err != nil || after.State != api.StateConnected || after.EstablishedAt == nil || !after.EstablishedAt.Equal(*st.EstablishedAt) {
		t.Errorf("the connection was re-established or lost: before %+v, after %+v (%v)", st, after, err)
	}
	r.h.MustCtl("down", "work")
}
