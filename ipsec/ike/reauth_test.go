package ike_test

import (
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/espressovpn/espresso/ipsec/ike"
)

// TestReauthUnderTraffic has the gateway announce an AUTH_LIFETIME: the
// client reauthenticates a margin before it, on the injected clock, with a
// new IKE SA beside the old one, while packets flow both ways; none is
// lost, and once the old IKE SA is deleted the gateway sends on the new
// Child SA (the old ones leave the data path after the retire delay).
func TestReauthUnderTraffic(t *testing.T) {
	cli, gw := pskConfigs(t)
	gw.AuthLifetime = time.Hour
	p := &pair{cliCfg: cli, gwCfg: gw, withEngine: true}
	p.start(t)
	ce := next[*ike.Established](t, p.cli)
	next[*ike.Established](t, p.gw)
	vip := ce.VirtualIPs[0]

	var wg sync.WaitGroup
	var lostUp, lostDown int
	wg.Add(2)
	go flow{p.cli, p.gw, vip, lanHost}.run(t, 3000, 200*time.Microsecond, &wg, &lostUp)
	go flow{p.gw, p.cli, lanHost, vip}.run(t, 3000, 200*time.Microsecond, &wg, &lostDown)

	// Just short of the lifetime less its margin (a minute), nothing yet.
	p.clock.Advance(time.Hour - time.Minute - time.Second)
	select {
	case e := <-p.cli.events:
		if _, ok := e.(*ike.Reauthenticated); ok {
			t.Fatal("reauthenticated before the margin")
		}
	case <-time.After(50 * time.Millisecond):
	}
	p.clock.Advance(time.Second)
	cr := next[*ike.Reauthenticated](t, p.cli)
	gr := next[*ike.Reauthenticated](t, p.gw)
	wg.Wait()
	if lostUp+lostDown != 0 {
		t.Fatalf("lost %d up, %d down across the reauthentication; drops: client %v, gateway %v", lostUp, lostDown, p.cli.engine.drops(), p.gw.engine.drops())
	}
	if cr.SPIi == cr.OldSPIi || cr.SPIr == cr.OldSPIr || cr.SPIi != gr.SPIi || cr.SPIr != gr.SPIr || cr.OldSPIi != gr.OldSPIi {
		t.Fatalf("IKE SPIs: client %x/%x from %x/%x, gateway %x/%x from %x/%x", cr.SPIi, cr.SPIr, cr.OldSPIi, cr.OldSPIr, gr.SPIi, gr.SPIr, gr.OldSPIi, gr.OldSPIr)
	}
	if cr.Child.InSPI == ce.Child.InSPI || cr.Child.OutSPI == ce.Child.OutSPI {
		t.Fatalf("Child SA kept its SPIs: %+v", cr.Child)
	}
	if cr.VirtualIPsChanged || !slices.Equal(cr.VirtualIPs, ce.VirtualIPs) || !slices.Equal(cr.PreviousVirtualIPs, ce.VirtualIPs) {
		t.Fatalf("virtual IPs %v, before %v, changed %v", cr.VirtualIPs, cr.PreviousVirtualIPs, cr.VirtualIPsChanged)
	}

	// The old Child SAs leave the data path after the retire delay: traffic
	// still flowing both ways proves both ends moved to the new ones.
	p.clock.Advance(ike.DefaultDeleteRekeyedDelay + time.Second)
	wg.Add(2)
	go flow{p.cli, p.gw, vip, lanHost}.run(t, 500, 0, &wg, &lostUp)
	go flow{p.gw, p.cli, lanHost, vip}.run(t, 500, 0, &wg, &lostDown)
	wg.Wait()
	if lostUp+lostDown != 0 {
		t.Fatalf("lost %d up, %d down after the old SAs went; drops: client %v, gateway %v", lostUp, lostDown, p.cli.engine.drops(), p.gw.engine.drops())
	}

	// The next reauthentication is scheduled from the new SA.
	p.clock.Advance(time.Hour - time.Minute)
	next[*ike.Reauthenticated](t, p.cli)

	// The gateway holds only the current IKE SA: the client's delete of
	// it ends the connection there.
	p.cli.d.Terminate()
	if d := next[*ike.Down](t, p.cli); d.Err != nil {
		t.Fatalf("client down: %v", d.Err)
	}
	if d := next[*ike.Down](t, p.gw); d.Err != ike.ErrDeleted {
		t.Fatalf("gateway down: %v", d.Err)
	}
}
