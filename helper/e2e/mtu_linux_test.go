package e2e

import (
	"net/netip"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/espressovpn/espresso/helper/api"
	"github.com/espressovpn/espresso/helper/e2e/lab"
	"github.com/espressovpn/espresso/platform/linux/testnet"
)

// TestTunnelMTU carries TCP both ways through a tunnel at the largest MTU a
// profile accepts (9000) and at the smallest IPv6 allows (1280), with
// Espresso's own responder as the gateway so both ends run the engine
// (strongSwan's kernel-libipsec gateway has buffers of its own).
//
// For 9000 the test network is a jumbo-frame one: the outer links (client
// to gateway) take 9216-byte frames, room for a 9000-byte inner packet and
// its ESP-in-UDP overhead, and the LAN takes 9000, so the LAN host's own
// MSS does not keep its segments small. The outer path must then carry
// the tunnel's packets whole: ESP datagrams above 8500 bytes, no fragment.
// For 1280 the links stay at 1500 and no ESP datagram exceeds 1280 bytes
// and its overhead.
func TestTunnelMTU(t *testing.T) {
	for _, c := range []struct {
		mtu, outer, lan int
	}{
		{9000, 9216, 9000},
		{1280, 1500, 1500},
	} {
		t.Run(strconv.Itoa(c.mtu), func(t *testing.T) {
			bins := binaries(t)
			top := testnet.NewTopology(t, testnet.Options{})
			for _, l := range []struct {
				ns    *testnet.Namespace
				iface string
				mtu   int
			}{
				{top.Client, "eth0", c.outer}, {top.Gateway, "wan", c.outer},
				{top.Gateway, "lan", c.lan}, {top.LAN, "eth0", c.lan},
			} {
				l.ns.MustRun("ip", "link", "set", l.iface, "mtu", strconv.Itoa(l.mtu))
			}
			// The tunnel's sockets send runs of ESP datagrams as one UDP
			// GSO message, which a veth passes on whole, so tcpdump would
			// see one packet per run. A device that takes one segment at a
			// time has the kernel split each run before the capture sees
			// it, as a NIC without UDP segmentation offload does.
			for _, l := range []struct {
				ns    *testnet.Namespace
				iface string
			}{{top.Client, "eth0"}, {top.Gateway, "wan"}} {
				l.ns.MustRun("ip", "link", "set", l.iface, "gso_max_segs", "1")
			}
			lab.IsolateLAN(t, top)
			startResponderMTU(t, top, c.mtu)
			lab.StartIPerfServer(t, top.LAN, testnet.LANHostV4)
			h := lab.StartHelper(t, top.Client, bins)
			p := lab.PSKProfile("mtu")
			p.MTU = c.mtu
			h.Import(p)
			if _, err := h.Ctl("up", "mtu"); err != nil {
				t.Fatalf("up: %v", err)
			}
			st, err := h.Status("mtu")
			if err != nil {
				t.Fatal(err)
			}
			if st.State != api.StateConnected || len(st.VirtualIPs) != 1 {
				t.Fatalf("status %+v; want connected with one virtual IP", st)
			}
			vip, err := netip.ParseAddr(st.VirtualIPs[0])
			if err != nil {
				t.Fatal(err)
			}

			outer := startCapture(t, top.Client, "eth0")
			for _, reverse := range []bool{false, true} {
				tr, err := lab.IPerf(top.Client, testnet.LANHostV4, vip, 2*time.Second, reverse, 0)
				t.Logf("iperf3 %s at MTU %d: %.0f Mbit/s", tr.Kind, c.mtu, tr.BitsPerSecond/1e6)
				if err != nil || tr.BitsPerSecond < 1e6 {
					t.Errorf("iperf3 %s: %.0f bit/s, %v", tr.Kind, tr.BitsPerSecond, err)
				}
			}
			outer.stop()

			esp := "udp port 4500 and udp[8:4] != 0"
			total := outer.count(esp)
			frags := outer.lines("ip[6:2] & 0x3fff != 0")
			// ESP in UDP adds at most 20+8 (IP, UDP), 8 (ESP), 16 (IV) and
			// 15+2+32 (padding, trailer, ICV); "greater" counts the
			// 14-byte Ethernet header too.
			limit := c.mtu + 20 + 8 + 8 + 16 + 15 + 2 + 32 + 14
			over := outer.count(esp + " and greater " + strconv.Itoa(limit+1))
			large := outer.count(esp + " and greater " + strconv.Itoa(c.mtu-500+14+28))
			t.Logf("outer path: %d ESP datagrams, %d within 500 bytes of the MTU, %d above it, %d fragments", total, large, over, len(frags))
			if total < 100 || large < 100 {
				t.Errorf("only %d ESP datagrams, %d of them near the MTU: the transfers did not fill the tunnel's packets", total, large)
			}
			if over != 0 || len(frags) != 0 {
				t.Errorf("%d ESP datagrams above the MTU and its overhead, fragments:\n%s", over, strings.Join(frags[:min(len(frags), 5)], "\n"))
			}
			h.MustCtl("down", "mtu")
		})
	}
}
