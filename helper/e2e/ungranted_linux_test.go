package e2e

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/espressovpn/espresso/helper/e2e/lab"
	"github.com/espressovpn/espresso/platform/linux/testnet"
)

// TestUngrantedIPv6Blocked: a full-tunnel profile (the default remote_ts,
// 0.0.0.0/0 and ::/0) against a gateway that grants IPv4 only. The
// gateway's IPv6 address answers pings in the clear before the
// connection; while it is up, the same ping is refused on the client and
// not one IPv6 packet from the client's global addresses shows on its
// outer interface, while IPv4 goes through the tunnel. The status lists
// ::/0 as blocked and the log says why. After down the ping goes out in
// the clear again, so the capture would have seen a leak.
func TestUngrantedIPv6Blocked(t *testing.T) {
	bins := binaries(t)
	top := testnet.NewTopology(t, testnet.Options{})
	lab.IsolateLAN(t, top)
	gw := lab.StartGatewayWith(t, top, func(c *testnet.CharonConfig) {
		c.Conns[0].LocalTS = []string{"0.0.0.0/0"}
	})
	r := &rig{top: top, gw: gw, h: lab.StartHelper(t, top.Client, bins)}
	clear6 := testnet.GatewayV6.String()
	ping6 := []string{"ping", "-6", "-c", "2", "-i", "0.2", "-W", "1", clear6}
	if out, err := top.Client.Run(ping6...); err != nil {
		t.Fatalf("the gateway's IPv6 address does not answer in the clear before the connection, the test proves nothing: %v\n%s", err, out)
	}

	p := lab.PSKProfile("work")
	p.RemoteTS = nil
	r.h.Import(p)
	r.up(t, "work")
	st, err := r.h.Status("work")
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(st.RemoteTS, []string{"0.0.0.0/0"}) || !slices.Equal(st.Blocked, []string{"::/0"}) {
		t.Fatalf("status: remote_ts %v, blocked %v; want 0.0.0.0/0 granted and ::/0 blocked", st.RemoteTS, st.Blocked)
	}
	if log := r.h.Log(); !strings.Contains(log, "blocked [::/0]") {
		t.Errorf("the helper's log does not say ::/0 is blocked:\n%s", log)
	}

	c := startCapture(t, top.Client, "eth0")
	for range 3 {
		if out, err := top.Client.Run(ping6...); err == nil {
			t.Errorf("an IPv6 ping went out while the gateway granted IPv4 only:\n%s", out)
		}
	}
	if out, err := top.Client.Run("ping", "-c", "2", "-i", "0.2", "-W", "2", testnet.LANHostV4.String()); err != nil {
		t.Errorf("no IPv4 ping through the tunnel: %v\n%s", err, out)
	}
	espFilter := "dst host " + testnet.GatewayV4.String() + " and (esp or udp port 4500)"
	// tcpdump hands packets over in blocks: wait for the IPv4 ping's ESP
	// to show, so the capture covers the IPv6 pings sent before it.
	c.waitFor(espFilter, "the IPv4 ping's ESP to the gateway")
	c.stop()
	// Link-local neighbour discovery and router solicitation stay on
	// the link by design; nothing else of IPv6 may leave.
	if leaks := c.lines("ip6 and not src net fe80::/10 and not src host ::"); len(leaks) > 0 {
		t.Errorf("%d IPv6 packets left on the outer interface while only IPv4 was granted:\n%s", len(leaks), joinLines(leaks))
	}
	t.Logf("capture while connected: %d IPv6 packets in all (link-local included), %d ESP packets to the gateway", c.count("ip6"), c.count(espFilter))

	r.h.MustCtl("down", "work")
	c = startCapture(t, top.Client, "eth0")
	if out, err := top.Client.Run(ping6...); err != nil {
		t.Errorf("after down, the IPv6 ping does not go out in the clear: %v\n%s", err, out)
	}
	c.waitFor("ip6 and dst host "+clear6, "after down, the IPv6 ping in the clear (else the capture cannot see leaks)")
	c.stop()
}

// waitFor waits up to 5 seconds for a packet matching filter to show in
// the capture, and fails the test naming what did not show.
func (c *capture) waitFor(filter, what string) {
	c.t.Helper()
	for deadline := time.Now().Add(5 * time.Second); c.count(filter) == 0; {
		if time.Now().After(deadline) {
			c.t.Errorf("the capture did not show %s within 5s", what)
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
}
