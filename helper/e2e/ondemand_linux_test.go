package e2e

import (
	"strings"
	"testing"

	"github.com/espressovpn/espresso/helper/api"
	"github.com/espressovpn/espresso/helper/e2e/lab"
	"github.com/espressovpn/espresso/platform/linux/testnet"
)

// TestOnDemand: `up` on an on-demand profile puts the routes in without
// negotiating; a ping alone then brings the tunnel up.
func TestOnDemand(t *testing.T) {
	r := newRig(t, false)
	p := lab.PSKProfile("ondemand")
	p.OnDemand = true
	r.h.Import(p)
	before := r.state(t)
	r.up(t, "ondemand")

	if sas := r.gw.ListSAs(); strings.Contains(sas, "ESTABLISHED") {
		t.Fatalf("negotiated before any traffic:\n%s", sas)
	}
	if routes := r.state(t)["routes4"]; !strings.Contains(routes, testnet.LANV4.String()) {
		t.Fatalf("no route for the LAN before the first packet:\n%s", routes)
	}

	// The first packet leaves with the physical address, before there is a
	// virtual IP; ping keeps sending until one answer comes back.
	if out, err := r.top.Client.Run("ping", "-c", "1", "-i", "0.5", "-w", "20", testnet.LANHostV4.String()); err != nil {
		t.Fatalf("ping did not bring the tunnel up: %v\n%s", err, out)
	}
	st, err := r.h.Status("ondemand")
	if err != nil {
		t.Fatal(err)
	}
	if st.State != api.StateConnected || len(st.VirtualIPs) != 1 || st.EstablishedAt == nil {
		t.Errorf("status after the ping: %+v", st)
	}
	if in, _ := testnet.ChildPackets(r.gw.ListSAs()); in == 0 {
		t.Errorf("the gateway's Child SA counted no packets:\n%s", r.gw.ListSAs())
	}

	r.h.MustCtl("down", "ondemand")
	if d := before.Diff(r.state(t)); d != "" {
		t.Errorf("down left the system changed:\n%s", d)
	}
}
