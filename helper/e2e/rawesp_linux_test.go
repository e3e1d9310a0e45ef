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

// TestRawESP: a raw_esp profile connected without a NAT carries its ESP
// as IP protocol 50 (RFC 4303), not in UDP (RFC 3948). strongSwan's
// kernel-libipsec gateway always forces UDP encapsulation, so the gateway
// is Espresso's own responder. Pings and TCP go both ways, the outer
// interface sees protocol 50 and no ESP in UDP, and `down` leaves the
// system as it was.
func TestRawESP(t *testing.T) {
	bins := binaries(t)
	top := testnet.NewTopology(t, testnet.Options{})
	lab.IsolateLAN(t, top)
	gw := startResponder(t, top)
	lab.StartIPerfServer(t, top.LAN, testnet.LANHostV4)
	h := lab.StartHelper(t, top.Client, bins)
	p := lab.PSKProfile("raw")
	p.RawESP = true
	h.Import(p)
	before := lab.ReadState(t, top.Client, h.ResolvConf)

	if _, err := h.Ctl("up", "raw"); err != nil {
		t.Fatalf("up: %v", err)
	}
	st, err := h.Status("raw")
	if err != nil {
		t.Fatal(err)
	}
	if st.State != api.StateConnected || st.Encapsulation != api.EncapsulationRaw || st.NATDetected || len(st.VirtualIPs) != 1 {
		t.Fatalf("status %+v; want connected with raw ESP and no NAT", st)
	}
	if e := gw.established(); e == nil || e.Child.Encap {
		t.Errorf("the gateway's Child SA: %+v; want one without UDP encapsulation", e)
	}
	vip := st.VirtualIPs[0]
	addr, err := netip.ParseAddr(vip)
	if err != nil {
		t.Fatal(err)
	}

	outer := startCapture(t, top.Client, "eth0")
	if out, err := top.Client.Run("ping", "-c", "3", "-i", "0.2", "-W", "2", "-I", vip, testnet.LANHostV4.String()); err != nil {
		t.Errorf("ping from the virtual IP to the LAN host: %v\n%s", err, out)
	}
	if out, err := top.LAN.Run("ping", "-c", "3", "-i", "0.2", "-W", "2", vip); err != nil {
		t.Errorf("ping from the LAN host to the virtual IP: %v\n%s", err, out)
	}
	for _, reverse := range []bool{false, true} {
		tr, err := lab.IPerf(top.Client, testnet.LANHostV4, addr, 2*time.Second, reverse, 0)
		t.Logf("iperf3 %s over raw ESP: %.0f Mbit/s", tr.Kind, tr.BitsPerSecond/1e6)
		if err != nil || tr.BitsPerSecond < 1e6 {
			t.Errorf("iperf3 %s: %.0f bit/s, %v", tr.Kind, tr.BitsPerSecond, err)
		}
	}
	outer.stop()

	toGW := "host " + testnet.GatewayV4.String()
	raw := outer.count("ip proto 50 and " + toGW)
	// ESP in UDP has a non-zero SPI where IKE on port 4500 has the
	// non-ESP marker (RFC 3948 §2.2).
	udp := outer.lines("udp port 4500 and udp[8:4] != 0 and " + toGW)
	t.Logf("outer interface: %d protocol-50 packets, %d ESP-in-UDP", raw, len(udp))
	if raw < 100 {
		t.Errorf("only %d protocol-50 packets on the outer interface", raw)
	}
	if len(udp) != 0 {
		t.Errorf("ESP in UDP on the outer interface:\n%s", strings.Join(udp[:min(len(udp), 5)], "\n"))
	}
	if s, _ := h.Status("raw"); s.PacketsIn == 0 || s.PacketsOut == 0 {
		t.Errorf("the status counted no traffic: %+v", s)
	}

	h.MustCtl("down", "raw")
	if d := before.Diff(lab.ReadState(t, top.Client, h.ResolvConf)); d != "" {
		t.Errorf("down left the system changed:\n%s", d)
	}
}
