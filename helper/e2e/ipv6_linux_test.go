package e2e

import (
	"net/netip"
	"slices"
	"testing"

	"github.com/espressovpn/espresso/helper/e2e/lab"
	"github.com/espressovpn/espresso/platform/linux/testnet"
)

// TestDualStack: one connection carries IPv4 and IPv6 inside, with a
// virtual IP of each family.
func TestDualStack(t *testing.T) {
	bins := binaries(t)
	top := testnet.NewTopology(t, testnet.Options{})
	lab.IsolateLAN(t, top)
	gw := lab.StartGatewayWith(t, top, func(c *testnet.CharonConfig) {
		c.Conns[0].LocalTS = []string{testnet.LANV4.String(), testnet.LANV6.String()}
		c.Conns[0].Pools = []string{"v4", "v6"}
	})
	r := &rig{top: top, gw: gw, h: lab.StartHelper(t, top.Client, bins)}
	p := lab.PSKProfile("work")
	p.RemoteTS = []string{testnet.LANV4.String(), testnet.LANV6.String()}
	r.h.Import(p)
	before := r.state(t)
	r.up(t, "work")
	st, err := r.h.Status("work")
	if err != nil {
		t.Fatal(err)
	}
	var v4, v6 netip.Addr
	for _, s := range st.VirtualIPs {
		a := netip.MustParseAddr(s)
		if a.Is4() {
			v4 = a
		} else {
			v6 = a
		}
	}
	if !testnet.PoolV4.Contains(v4) || !testnet.PoolV6.Contains(v6) {
		t.Fatalf("virtual IPs %v, want one from %v and one from %v", st.VirtualIPs, testnet.PoolV4, testnet.PoolV6)
	}
	if !slices.Contains(st.RemoteTS, testnet.LANV6.String()) {
		t.Errorf("remote selectors %v lack %v", st.RemoteTS, testnet.LANV6)
	}
	for _, c := range [][]string{
		{"ping", "-c", "2", "-i", "0.2", "-W", "2", "-I", v4.String(), testnet.LANHostV4.String()},
		{"ping", "-6", "-c", "2", "-i", "0.2", "-W", "2", "-I", v6.String(), testnet.LANHostV6.String()},
	} {
		if out, err := top.Client.Run(c...); err != nil {
			t.Errorf("%v\n%s", err, out)
		}
	}
	if out, err := top.LAN.Run("ping", "-6", "-c", "2", "-i", "0.2", "-W", "2", v6.String()); err != nil {
		t.Errorf("ping from the LAN host to the IPv6 virtual IP: %v\n%s", err, out)
	}
	r.h.MustCtl("down", "work")
	if d := before.Diff(r.state(t)); d != "" {
		t.Errorf("down left the system changed:\n%s", d)
	}
}
