package e2e

import (
	"regexp"
	"strconv"
	"testing"
	"time"

	"github.com/espressovpn/espresso/helper/api"
	"github.com/espressovpn/espresso/helper/e2e/lab"
	"github.com/espressovpn/espresso/platform/linux/testnet"
)

var pingReceived = regexp.MustCompile(`(\d+) packets transmitted, (\d+) received`)

// TestLossyLink: over a lossy link between the client and the gateway the
// tunnel comes up, as IKE retransmits its requests (RFC 7296 §2.1), and
// carries traffic: pings are answered and a TCP transfer completes.
//
// Each check is made so that it fails by chance with a negligible
// probability, computed below; a loss is a drop on arrival, at each end of
// the link, independent of every other.
//
// The negotiation is not run under random loss: the helper gives up each
// request that sets up the IKE SA after half its minute for a connection,
// by then sent four times (at 0, 4, 11.2 and 24.16 s, strongSwan's
// schedule), and at 20% loss each way a request and its answer both get
// through with probability 0.64, so that a connection fails
// 1-(1-0.36^4)^2 = 3.3% of the time, as designed. Instead, exactly the
// first IKE_SA_INIT request and the first answer to IKE_AUTH are lost, so
// that the tunnel comes up only if the helper retransmits both and
// strongSwan answers the retransmitted IKE_AUTH from its cache, and then
// without fail.
func TestLossyLink(t *testing.T) {
	r := newRig(t, false)
	startTCPSink(t, r.top.LAN, testnet.LANHostV4)
	// The gateway gets nothing on port 500 before the first IKE_SA_INIT,
	// the client nothing from port 4500 before the answer to IKE_AUTH
	// (the helper moves to port 4500 for IKE_AUTH, RFC 7296 §2.23).
	lab.DropFirst(t, r.top.Gateway, "wan", "udp dport 500")
	lab.DropFirst(t, r.top.Client, "eth0", "udp sport 4500")
	r.h.Import(lab.PSKProfile("work"))

	start := time.Now()
	r.up(t, "work")
	t.Logf("connected in %v after a lost IKE_SA_INIT and a lost IKE_AUTH answer", time.Since(start).Round(time.Millisecond))
	if gw, cl := lab.FirstDropped(r.top.Gateway, "wan"), lab.FirstDropped(r.top.Client, "eth0"); gw != 1 || cl != 1 {
		t.Errorf("lost %d IKE_SA_INIT requests and %d IKE_AUTH answers, want 1 and 1", gw, cl)
	}
	st, err := r.h.Status("work")
	if err != nil || st.State != api.StateConnected {
		t.Fatalf("status %+v, %v", st, err)
	}
	vip := checkStatus(t, st, false)

	// 20% loss each way: each ping and its answer get through with
	// probability 0.64, so that fewer than 12 of 50 are answered (32 on
	// average) with probability 1.6e-9.
	lab.Loss(t, r.top.Client, "eth0", 20)
	lab.Loss(t, r.top.Gateway, "wan", 20)
	out, _ := r.top.Client.Run("ping", "-c", "50", "-i", "0.1", "-W", "2", "-I", vip.String(), testnet.LANHostV4.String())
	m := pingReceived.FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("ping printed no summary:\n%s", out)
	}
	got, _ := strconv.Atoi(m[2])
	t.Logf("ping through the tunnel at 20%% loss: %s of %s answered; packets dropped: %d arriving at the client, %d at the gateway",
		m[2], m[1], lab.LossDropped(r.top.Client, "eth0"), lab.LossDropped(r.top.Gateway, "wan"))
	if got < 12 {
		t.Errorf("only %d of 50 pings answered", got)
	}

	// 2% loss each way for TCP, which waits twice as long before each
	// retransmission of the same packet, from at most 1 s (the connection
	// request's timeout; a data segment's is shorter): a round trip fails
	// with probability q = 1-0.98^2 = 0.0396, and a packet holds the
	// transfer up for the 45 s only if it is lost 6 times in a row (sent
	// at 0, 1, 3, 7, 15 and 31 s at the latest), q^6 = 3.9e-9 for the
	// connection request and each of the few segments that time out (fast
	// retransmission repairs most losses). At 20% (q = 0.36) this would be
	// 2.2e-3.
	lab.Loss(t, r.top.Client, "eth0", 2)
	lab.Loss(t, r.top.Gateway, "wan", 2)
	const size = 1 << 20
	took, err := tcpTransfer(r.top.Client, vip, testnet.LANHostV4, size, 45*time.Second)
	if err != nil {
		t.Fatalf("TCP transfer of %d KiB through the tunnel at 2%% loss: %v", size>>10, err)
	}
	t.Logf("TCP transfer of %d KiB through the tunnel at 2%% loss in %v; packets dropped: %d arriving at the client, %d at the gateway",
		size>>10, took.Round(time.Millisecond), lab.LossDropped(r.top.Client, "eth0"), lab.LossDropped(r.top.Gateway, "wan"))

	lab.ClearLoss(r.top.Client, "eth0")
	lab.ClearLoss(r.top.Gateway, "wan")
	r.h.MustCtl("down", "work")
	waitGatewayClean(t, r.gw)
}
