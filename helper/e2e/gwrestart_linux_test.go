package e2e

import (
	"net/netip"
	"testing"
	"time"

	"github.com/espressovpn/espresso/helper/api"
	"github.com/espressovpn/espresso/helper/e2e/lab"
	"github.com/espressovpn/espresso/ipsec/ike"
	"github.com/espressovpn/espresso/platform/linux/testnet"
)

// restartDPD is the liveness check interval of the test's profile.
const restartDPD = 2 * time.Second

// restartMargin is what the bound leaves for the helper's next attempt
// (the session lasts under conn's Stable minute here, so it comes after
// the 5 s back-off rather than at once) and one negotiation with the
// restarted gateway.
const restartMargin = 13 * time.Second

// restartBound is how long after the gateway's restart the client must be
// connected again. A restarted strongSwan ignores requests for IKE SAs it
// does not know (it may answer INVALID_IKE_SPI, RFC 7296 §2.21.4, which
// only makes the client check at once), so the client learns of the
// restart when its liveness check goes unanswered: the profile's
// interval, then the liveness check's own limit (ike.DefaultDPDTimeout,
// rather than the ~165 s of every retransmission of RFC 7296 §2.1), then
// a new negotiation within the margin. About 45 s with a 2 s interval.
func restartBound() time.Duration {
	return restartDPD + ike.DefaultDPDTimeout + restartMargin
}

// TestGatewayRestart kills the gateway's charon by its PID under a running
// ping and starts it again with the same configuration, so that it knows
// nothing of the client's SAs. The client's liveness checks (a 2 s
// interval in the profile, RFC 7296 §1.4) find the IKE SA gone, the
// status says reconnecting, the helper connects again by itself within
// restartBound, and the ping that ran all along is answered again.
func TestGatewayRestart(t *testing.T) {
	r := newRig(t, false)
	p := lab.PSKProfile("work")
	p.DPD = restartDPD.String()
	r.h.Import(p)
	w := watch(t, r.h, "work")
	r.up(t, "work")
	st, vip := r.connected(t, "work", false)
	ping := startPinger(t, r.top.Client, vip, testnet.LANHostV4, restartBound()+30*time.Second)
	defer ping.stop()
	if _, ok := ping.waitReplyAfter(time.Time{}, 5*time.Second); !ok {
		t.Fatal("no ping through the tunnel before the restart")
	}

	lab.KillCharon(t, r.gw.Process())
	killed := time.Now()
	lab.RestartCharon(t, r.top.Gateway, r.gw.Charon)
	t.Logf("charon killed and started again in %v", time.Since(killed).Round(time.Millisecond))

	bound := restartBound()
	rc, ok := w.wait(api.StateReconnecting, killed, bound)
	if !ok {
		t.Fatalf("the status never said reconnecting within %v of the restart: %v\n%s", bound, w.states(killed), gatewayProtocolLog(r.gw))
	}
	up, ok := w.wait(api.StateConnected, rc.at, bound-time.Since(killed))
	if !ok {
		t.Fatalf("not connected again within %v of the restart: %v\n%s", bound, w.states(killed), gatewayProtocolLog(r.gw))
	}
	t.Logf("lost after %v (%s), connected again %v after the restart",
		rc.at.Sub(killed).Round(time.Millisecond), rc.st.LastError, up.at.Sub(killed).Round(time.Millisecond))
	if up.st.EstablishedAt == nil || !up.st.EstablishedAt.After(*st.EstablishedAt) {
		t.Errorf("the status after the reconnection does not show a new tunnel: %+v", up.st)
	}
	if len(up.st.VirtualIPs) != 1 {
		t.Fatalf("virtual IPs after the reconnection: %v", up.st.VirtualIPs)
	}

	// The ping started before the restart goes on; if the gateway handed
	// out another virtual IP, ping from that one instead.
	newVIP := netip.MustParseAddr(up.st.VirtualIPs[0])
	if newVIP == vip {
		last, _ := ping.lastReplyBefore(killed)
		back, ok := ping.waitReplyAfter(up.at, 10*time.Second)
		if !ok {
			t.Fatalf("the ping running since before the restart got no reply after the reconnection")
		}
		t.Logf("ping: no replies for %v", back.Sub(last).Round(time.Millisecond))
	} else if out, err := r.top.Client.Run("ping", "-c", "3", "-i", "0.2", "-W", "2", "-I", newVIP.String(), testnet.LANHostV4.String()); err != nil {
		t.Fatalf("no ping from the new virtual IP %v: %v\n%s", newVIP, err, out)
	}
	tr, err := lab.IPerf(r.top.Client, testnet.LANHostV4, newVIP, 2*time.Second, false, 0)
	t.Logf("iperf3 %s after the reconnection: %.0f Mbit/s", tr.Kind, tr.BitsPerSecond/1e6)
	if err != nil || tr.BitsPerSecond < 1e6 {
		t.Errorf("iperf3 after the reconnection: %.0f bit/s, %v", tr.BitsPerSecond, err)
	}
	if sas := r.gw.ListSAs(); !testnetHasChild(sas) {
		t.Errorf("the restarted gateway lists no Child SA:\n%s", sas)
	}
	r.h.MustCtl("down", "work")
	waitGatewayClean(t, r.gw)
}
