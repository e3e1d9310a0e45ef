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

// TestLossyLink: with 20% of the packets lost each way between the client
// and the gateway (a random drop on arrival at both ends of the link), the tunnel still
// comes up, as IKE retransmits its requests (RFC 7296 §2.1), and carries
// traffic: pings are answered and a TCP transfer completes.
func TestLossyLink(t *testing.T) {
	r := newRig(t, false)
	startTCPSink(t, r.top.LAN, testnet.LANHostV4)
	lab.Loss(t, r.top.Client, "eth0", 20)
	lab.Loss(t, r.top.Gateway, "wan", 20)
	r.h.Import(lab.PSKProfile("work"))

	start := time.Now()
	r.up(t, "work")
	t.Logf("connected over the lossy link in %v", time.Since(start).Round(time.Millisecond))
	st, err := r.h.Status("work")
	if err != nil || st.State != api.StateConnected {
		t.Fatalf("status %+v, %v", st, err)
	}
	vip := checkStatus(t, st, false)

	out, _ := r.top.Client.Run("ping", "-c", "50", "-i", "0.1", "-W", "2", "-I", vip.String(), testnet.LANHostV4.String())
	m := pingReceived.FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("ping printed no summary:\n%s", out)
	}
	got, _ := strconv.Atoi(m[2])
	// Each ping crosses the link twice: 64% of them are answered on
	// average, fewer than a third only with a vanishing probability.
	t.Logf("ping through the tunnel: %s of %s answered", m[2], m[1])
	if got < 15 {
		t.Errorf("only %d of 50 pings answered", got)
	}

	const size = 1 << 20
	took, err := tcpTransfer(r.top.Client, vip, testnet.LANHostV4, size, 45*time.Second)
	if err != nil {
		t.Fatalf("TCP transfer of %d KiB through the tunnel: %v", size>>10, err)
	}
	t.Logf("TCP transfer of %d KiB through the tunnel in %v", size>>10, took.Round(time.Millisecond))

	t.Logf("packets dropped: %d arriving at the client, %d at the gateway",
		lab.LossDropped(r.top.Client, "eth0"), lab.LossDropped(r.top.Gateway, "wan"))
	lab.ClearLoss(r.top.Client, "eth0")
	lab.ClearLoss(r.top.Gateway, "wan")
	r.h.MustCtl("down", "work")
	waitGatewayClean(t, r.gw)
}
