package e2e

import (
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/espressovpn/espresso/helper/api"
	"github.com/espressovpn/espresso/helper/e2e/lab"
	"github.com/espressovpn/espresso/platform/linux/testnet"
)

// TestTwoGateways connects to two gateways at once, whose LANs are
// disjoint, and checks that both carry ping and TCP; that a third profile
// overlapping one of them is refused with a sentence naming both, and
// takes over with --replace; and that bringing one connection down
// leaves the other's routes, rule and traffic as they were.
func TestTwoGateways(t *testing.T) {
	r := newRig(t, false)
	gw2 := lab.StartSecondGateway(t, r.top)
	lab.StartIPerfServer(t, gw2.LAN, lab.LAN2HostV4)
	before := r.state(t)
	r.h.Import(lab.PSKProfile("office"))
	r.h.Import(gw2.PSKProfile("lab"))
	wide := lab.PSKProfile("everything")
	wide.RemoteTS = nil // a full tunnel: 0.0.0.0/0 and ::/0
	r.h.Import(wide)
	r.h.Import(gw2.PSKProfile("lab-too"))

	r.up(t, "office")
	r.up(t, "lab")
	_, officeVIP := r.connected(t, "office", false)
	labVIP := labConnected(t, r.h, "lab")
	checkTraffic(t, r, officeVIP)
	checkLAN2Traffic(t, r.top.Client, labVIP)

	state := r.state(t)
	if !strings.Contains(state["rules4"], "lookup 220") || !strings.Contains(state["rules4"], "lookup 221") {
		t.Errorf("two connections, rules:\n%s", state["rules4"])
	}

	// A full tunnel overlaps both; the sentence names the first by name.
	out, err := r.h.Ctl("up", "everything")
	t.Logf("up everything: %v", err)
	want := "everything routes " + lab.LAN2V4.String() + ", which the active connection lab already routes"
	if err == nil || !strings.Contains(err.Error()+out, want) || !strings.Contains(err.Error(), "espressoctl up --replace everything") {
		t.Errorf("up everything beside office and lab: %v\n%s\nwant it to say %q", err, out, want)
	}
	if st, _ := r.h.Status("everything"); st.State != api.StateFailed || st.ErrorCode != api.FailureNetworksOverlap {
		t.Errorf("everything's status %+v", st)
	}
	// The same LAN through the same gateway, under another name.
	if _, err := r.h.Ctl("up", "lab-too"); err == nil || !strings.Contains(err.Error(), "lab-too routes "+lab.LAN2V4.String()+", which the active connection lab already routes") {
		t.Errorf("up lab-too beside lab: %v", err)
	}
	if d := state.Diff(r.state(t)); d != "" {
		t.Errorf("the refused connections changed the system:\n%s", d)
	}
	checkLAN2Traffic(t, r.top.Client, labVIP)

	// The user says which wins.
	if out, err := r.h.Ctl("up", "--replace", "lab-too"); err != nil {
		t.Fatalf("up --replace lab-too: %v\n%s", err, out)
	}
	if st, _ := r.h.Status("lab"); st.State != api.StateDisconnected {
		t.Errorf("lab after lab-too replaced it: %s", st.State)
	}
	labVIP = labConnected(t, r.h, "lab-too")
	checkLAN2Traffic(t, r.top.Client, labVIP)

	// Bringing office down leaves lab-too's routes, rule and traffic.
	routesBefore := tableRoutes(t, r.top.Client, labTable(t, r.top.Client, labVIP))
	r.h.MustCtl("down", "office")
	after := r.state(t)
	if strings.Contains(after["rules4"], "lookup 220") || !strings.Contains(after["rules4"], "lookup 221") {
		t.Errorf("rules after office went down:\n%s", after["rules4"])
	}
	if got := tableRoutes(t, r.top.Client, labTable(t, r.top.Client, labVIP)); got != routesBefore {
		t.Errorf("lab-too's routes changed when office went down:\n%s\nwas:\n%s", got, routesBefore)
	}
	if _, err := r.top.Client.Run("ping", "-c", "1", "-W", "1", testnet.LANHostV4.String()); err == nil {
		t.Error("office's LAN still answers after office went down")
	}
	checkLAN2Traffic(t, r.top.Client, labVIP)
	if st, _ := r.h.Status("lab-too"); st.State != api.StateConnected {
		t.Errorf("lab-too after office went down: %+v", st)
	}

	r.h.MustCtl("down", "lab-too")
	if d := before.Diff(r.state(t)); d != "" {
		t.Errorf("down of both left the system changed:\n%s", d)
	}
}

// labConnected returns the virtual IP of the second gateway's connected
// profile name, from its pool.
func labConnected(t *testing.T, h *lab.Helper, name string) netip.Addr {
	t.Helper()
	st, err := h.Status(name)
	if err != nil {
		t.Fatal(err)
	}
	if st.State != api.StateConnected || len(st.VirtualIPs) != 1 || len(st.RemoteTS) != 1 || st.RemoteTS[0] != lab.LAN2V4.String() {
		t.Fatalf("%s: status %+v", name, st)
	}
	vip, err := netip.ParseAddr(st.VirtualIPs[0])
	if err != nil || !lab.Pool2V4.Contains(vip) {
		t.Fatalf("%s: virtual IP %q is not from the second pool %v", name, st.VirtualIPs[0], lab.Pool2V4)
	}
	return vip
}

// checkLAN2Traffic pings the second LAN's host from vip and runs a short
// TCP transfer to it.
func checkLAN2Traffic(t *testing.T, client *testnet.Namespace, vip netip.Addr) {
	t.Helper()
	if out, err := client.Run("ping", "-c", "2", "-i", "0.2", "-W", "2", "-I", vip.String(), lab.LAN2HostV4.String()); err != nil {
		t.Errorf("ping from %v to the second LAN's host: %v\n%s", vip, err, out)
	}
	tr, err := lab.IPerf(client, lab.LAN2HostV4, vip, time.Second, false, 0)
	if err != nil || tr.BitsPerSecond == 0 {
		t.Errorf("TCP from %v to the second LAN's host: %v", vip, err)
	}
}

// labTable returns the routing table that holds the route with source
// vip.
func labTable(t *testing.T, ns *testnet.Namespace, vip netip.Addr) string {
	t.Helper()
	for _, l := range strings.Split(ns.MustRun("ip", "-4", "route", "show", "table", "all"), "\n") {
		if f := strings.Fields(l); strings.Contains(l, "src "+vip.String()) {
			for i := range f[:len(f)-1] {
				if f[i] == "table" {
					return f[i+1]
				}
			}
		}
	}
	t.Fatalf("no route with source %v", vip)
	return ""
}

func tableRoutes(t *testing.T, ns *testnet.Namespace, table string) string {
	t.Helper()
	return ns.MustRun("ip", "-4", "route", "show", "table", table)
}
