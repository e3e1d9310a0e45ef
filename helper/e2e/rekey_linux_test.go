package e2e

import (
	"net/netip"
	"regexp"
	"testing"
	"time"

	"github.com/espressovpn/espresso/helper/e2e/lab"
	"github.com/espressovpn/espresso/platform/linux/testnet"
)

var childSPI = regexp.MustCompile(`(?m)^\s+in\s+([0-9a-f]{8})`)

// TestRekeyUnderLoad: the gateway rekeys the Child SA every few seconds
// and the IKE SA once while a TCP transfer runs; the transfer goes on,
// the connection is never re-established, and traffic still flows after.
func TestRekeyUnderLoad(t *testing.T) {
	bins := binaries(t)
	top := testnet.NewTopology(t, testnet.Options{})
	lab.IsolateLAN(t, top)
	gw := lab.StartGatewayWith(t, top, func(c *testnet.CharonConfig) {
		// Rekeys, not expiries: the hard lifetimes stay far off, and the
		// random part that strongSwan subtracts stays small.
		c.Conns[0].ChildRekeyTime = "3s"
		c.Conns[0].ChildExtra = []string{"life_time = 60s", "rand_time = 1s"}
		c.Conns[0].RekeyTime = "7s"
		c.Conns[0].Extra = []string{"over_time = 60s", "rand_time = 1s"}
	})
	lab.StartIPerfServer(t, top.LAN, testnet.LANHostV4)
	r := &rig{top: top, gw: gw, h: lab.StartHelper(t, top.Client, bins)}
	r.h.Import(lab.PSKProfile("work"))
	r.up(t, "work")
	st, err := r.h.Status("work")
	if err != nil {
		t.Fatal(err)
	}
	firstSPI := spi(t, gw.ListSAs())

	tr, err := lab.IPerf(top.Client, testnet.LANHostV4, netip.MustParseAddr(st.VirtualIPs[0]), 10*time.Second, false, 0)
	t.Logf("iperf3 TCP up across rekeys: %.0f Mbit/s", tr.BitsPerSecond/1e6)
	if err != nil || tr.BitsPerSecond < 1e6 {
		t.Errorf("the transfer across the rekeys failed: %v", err)
	}
	sas := gw.ListSAs()
	if spi(t, sas) == firstSPI {
		t.Errorf("the gateway did not rekey the Child SA in 10s:\n%s", sas)
	}
	after, err := r.h.Status("work")
	if err != nil || after.State != "connected" || after.EstablishedAt == nil || !after.EstablishedAt.Equal(*st.EstablishedAt) {
		t.Errorf("the connection was re-established or lost: before %+v, after %+v (%v)", st, after, err)
	}
	if out, err := top.Client.Run("ping", "-c", "2", "-i", "0.2", "-W", "2", testnet.LANHostV4.String()); err != nil {
		t.Errorf("no ping after the rekeys: %v\n%s\n%s", err, out, sas)
	}
	r.h.MustCtl("down", "work")
}

func spi(t *testing.T, listSAs string) string {
	t.Helper()
	m := childSPI.FindStringSubmatch(listSAs)
	if m == nil {
		t.Fatalf("no Child SA listed:\n%s", listSAs)
	}
	return m[1]
}

// TestChildExpiryRecovers: the gateway lets the Child SA expire instead of
// rekeying it. Whether it then creates a new Child SA in the same IKE SA or
// the helper connects again, traffic must flow again within seconds.
func TestChildExpiryRecovers(t *testing.T) {
	bins := binaries(t)
	top := testnet.NewTopology(t, testnet.Options{})
	lab.IsolateLAN(t, top)
	gw := lab.StartGatewayWith(t, top, func(c *testnet.CharonConfig) {
		c.Conns[0].ChildRekeyTime = "0"
		c.Conns[0].ChildExtra = []string{"life_time = 3s"}
	})
	r := &rig{top: top, gw: gw, h: lab.StartHelper(t, top.Client, bins)}
	r.h.Import(lab.PSKProfile("work"))
	r.up(t, "work")
	time.Sleep(4 * time.Second)
	deadline := time.Now().Add(40 * time.Second)
	for {
		_, err := top.Client.Run("ping", "-c", "1", "-W", "1", testnet.LANHostV4.String())
		if err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no traffic 40s after the Child SA expired:\n%s\n%s", gw.ListSAs(), r.h.Log())
		}
		time.Sleep(time.Second)
	}
	if st, err := r.h.Status("work"); err != nil || st.State != "connected" {
		t.Errorf("status %+v, %v", st, err)
	}
	r.h.MustCtl("down", "work")
}
