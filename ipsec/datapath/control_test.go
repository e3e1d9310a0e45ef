package datapath_test

import (
	"bytes"
	"net/netip"
	"testing"
	"time"

	"github.com/espressovpn/espresso/ipsec/datapath"
	"github.com/espressovpn/espresso/ipsec/esp"
	"github.com/espressovpn/espresso/ipsec/sad"
)

// TestAcquireHoldsFirstPackets: with a trap policy and no SA, the first
// packets wait and raise one acquire; once the SA is installed they go out
// in order.
func TestAcquireHoldsFirstPackets(t *testing.T) {
	a, b := pairUp(t, datapath.Config{Backpressure: true, AcquireQueue: 4})
	forA, forB := childSAs(3, 0x1000, 0x2000, gcm128, 0, false)
	if err := b.e.Install(forB); err != nil {
		t.Fatal(err)
	}
	if err := a.e.InstallTrap(3, forA.Selectors); err != nil {
		t.Fatal(err)
	}
	var pkts [][]byte
	for i := range 6 {
		p := udpPacket(innerA4, innerB4, uint32(i), 200)
		pkts = append(pkts, p)
		a.dev.Inject(p)
	}
	select {
	case ev := <-a.e.Events():
		if ev.Kind != datapath.EventAcquire || ev.ReqID != 3 || ev.Flow.Dst != innerB4 {
			t.Fatalf("event %+v", ev)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("no acquire")
	}
	// Four are held, two dropped for want of an SA.
	for deadline := time.Now().Add(10 * time.Second); a.e.Stats().Drops[sad.DropNoSA] < 2; time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("stats %+v", a.e.Stats())
		}
	}
	if err := a.e.Install(forA); err != nil {
		t.Fatal(err)
	}
	receiveAll(t, b, pkts[:4], "held packets")
	select {
	case ev := <-a.e.Events():
		t.Fatalf("unexpected event %+v", ev)
	default:
	}
}

// TestIKEAndKeepalives: datagrams with the non-ESP marker reach the IKE
// handler as they arrived, keepalives are counted and dropped, and SendIKE adds
// the marker.
func TestIKEAndKeepalives(t *testing.T) {
	a, b := pairUp(t, datapath.Config{})
	got := make(chan []byte, 1)
	b.e.SetIKEHandler(func(msg []byte, from netip.AddrPort) {
		if from == addrA {
			got <- bytes.Clone(msg)
		}
	})
	if err := a.e.SendKeepalive(addrB); err != nil {
		t.Fatal(err)
	}
	msg := []byte("an IKE message, as on port 500")
	if err := a.e.SendIKE(msg, addrB); err != nil {
		t.Fatal(err)
	}
	select {
	case m := <-got:
		if !bytes.Equal(m, append(make([]byte, esp.NonESPMarkerLen), msg...)) {
			t.Fatalf("IKE handler got %q", m)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("IKE message not delivered")
	}
	for deadline := time.Now().Add(10 * time.Second); b.e.Stats().Keepalives != 1; time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("keepalive not counted: %+v", b.e.Stats())
		}
	}
	if st := b.e.Stats(); st.IKEIn != 1 || st.PacketsIn != 0 {
		t.Fatalf("stats %+v", st)
	}
}
