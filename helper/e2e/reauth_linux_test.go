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

var ikeSPIs = regexp.MustCompile(`([0-9a-f]{16})_i\*? ([0-9a-f]{16})_r`)

// TestReauthentication: the gateway asks for reauthentication after 20s
// (AUTH_LIFETIME, RFC 4478 §3); the helper's connection reauthenticates
// make-before-break (RFC 7296 §2.8.3) while pings run. The status stays
// connected throughout with the same uptime, the pings go on, and the
// gateway ends with one IKE SA, a new one, and its Child SA.
//
// rand_time = 0 keeps strongSwan from advertising a random amount less
// than reauth_time; over_time is how long it keeps the old SA after that.
func TestReauthentication(t *testing.T) {
	bins := binaries(t)
	top := testnet.NewTopology(t, testnet.Options{})
	lab.IsolateLAN(t, top)
	gw := lab.StartGatewayWith(t, top, func(c *testnet.CharonConfig) {
		c.Conns[0].Extra = []string{"reauth_time = 20s", "over_time = 10s", "rand_time = 0s"}
	})
	r := &rig{top: top, gw: gw, h: lab.StartHelper(t, top.Client, bins)}
	r.h.Import(lab.PSKProfile("work"))
	r.up(t, "work")
	st, err := r.h.Status("work")
	if err != nil || st.State != api.StateConnected || st.EstablishedAt == nil || len(st.VirtualIPs) != 1 {
		t.Fatalf("status %+v, %v", st, err)
	}
	before := ikeSPIs.FindString(gw.ListSAs())
	if before == "" {
		t.Fatalf("the gateway lists no IKE SA:\n%s", gw.ListSAs())
	}
	vip := netip.MustParseAddr(st.VirtualIPs[0])
	p := startPinger(t, top.Client, vip, testnet.LANHostV4, 26*time.Second)
	start := time.Now()

	// The status is polled all along; the new SA shows at the gateway
	// about 18s in, when the client starts over a tenth before the end.
	var sas string
	reauthAt := time.Duration(0)
	for time.Since(start) < 25*time.Second {
		now, err := r.h.Status("work")
		if err != nil || now.State != api.StateConnected || now.EstablishedAt == nil || !now.EstablishedAt.Equal(*st.EstablishedAt) {
			t.Fatalf("%v into the reauthentication the status is %+v (%v), was established at %v", time.Since(start).Round(time.Millisecond), now, err, st.EstablishedAt)
		}
		sas = gw.ListSAs()
		if reauthAt == 0 && strings.Count(sas, "ESTABLISHED") == 1 && ikeSPIs.FindString(sas) != before && strings.Count(sas, "INSTALLED") == 1 {
			reauthAt = time.Since(start)
		}
		if reauthAt != 0 && time.Since(start) > reauthAt+2*time.Second {
			break
		}
		time.Sleep(250 * time.Millisecond)
	}
	end := time.Now()
	p.stop()
	if reauthAt == 0 {
		t.Fatalf("no reauthentication within 25s; the gateway lists:\n%s\nhelper log:\n%s", sas, r.h.Log())
	}
	if !strings.Contains(r.h.Log(), "reauthenticated") {
		t.Errorf("the helper logged no reauthentication:\n%s", r.h.Log())
	}
	if !testnetHasChild(sas) {
		t.Errorf("the new Child SA carried no traffic both ways:\n%s", sas)
	}

	// Pings go every 200ms; the longest silence between two replies tells
	// how many were lost in a row.
	replies := p.replies()
	var gap time.Duration
	last := start
	for _, at := range replies {
		if at.After(end) {
			break
		}
		gap = max(gap, at.Sub(last))
		last = at
	}
	gap = max(gap, end.Sub(last))
	t.Logf("reauthenticated %v after the pings began (IKE SA %s, was %s); %d replies, longest gap %v",
		reauthAt.Round(250*time.Millisecond), ikeSPIs.FindString(sas), before, len(replies), gap.Round(time.Millisecond))
	if gap > 700*time.Millisecond {
		t.Errorf("the pings stopped for %v across the reauthentication", gap.Round(time.Millisecond))
	}
	r.h.MustCtl("down", "work")
}
