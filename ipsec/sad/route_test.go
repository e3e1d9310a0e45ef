package sad

import (
	"net/netip"
	"sync"
	"testing"
	"time"
)

// An SA's route starts empty, changes with SetRoute, and can be read by
// senders while it changes (run under -race).
func TestRoute(t *testing.T) {
	sa := New(newESP(t, 1, false), Outbound, 0, time.Now())
	if r := sa.Route(); r != (Route{}) {
		t.Fatalf("route before SetRoute: %+v", r)
	}
	a := Route{Peer: netip.MustParseAddrPort("192.0.2.1:4500"), Encap: EncapUDP}
	b := Route{Peer: netip.MustParseAddrPort("198.51.100.1:0"), Encap: EncapRaw}
	sa.SetRoute(a)
	var wg sync.WaitGroup
	wg.Go(func() {
		for range 1000 {
			if r := sa.Route(); r != a && r != b {
				t.Errorf("torn route %+v", r)
				return
			}
		}
	})
	for i := range 1000 {
		if i%2 == 0 {
			sa.SetRoute(b)
		} else {
			sa.SetRoute(a)
		}
	}
	wg.Wait()
	if r := sa.Route(); r != a {
		t.Fatalf("route %+v, want %+v", r, a)
	}
}
