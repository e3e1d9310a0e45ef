package ike_test

import (
	"errors"
	"net/netip"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/espressovpn/espresso/ipsec/ike"
	"github.com/espressovpn/espresso/ipsec/ike/wire"
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

// TestReauthFailureKeepsSA drops the client's new IKE_SA_INIT: the
// reauthentication is given up after its retransmissions and reported,
// and the old IKE SA stays in use.
func TestReauthFailureKeepsSA(t *testing.T) {
	cli, gw := pskConfigs(t)
	cli.Retransmit = ike.Retransmit{Timeout: time.Second, Base: 1, Tries: 2}
	p := &pair{cliCfg: cli, gwCfg: gw}
	p.start(t)
	next[*ike.Established](t, p.cli)
	next[*ike.Established](t, p.gw)
	var dropped atomic.Int32
	p.net.SetFilter(func(from, _ netip.AddrPort, b []byte) bool {
		if from.Addr() == clientAddr && len(b) >= 4+wire.HeaderLen && wire.ExchangeType(b[4+18]) == wire.IKESAInit {
			dropped.Add(1)
			return false
		}
		return true
	})
	p.cli.d.Reauthenticate()
	var failed *ike.ReauthFailed
	for i := 0; i < 50 && failed == nil; i++ {
		p.clock.Advance(time.Second)
		select {
		case e := <-p.cli.events:
			switch e := e.(type) {
			case *ike.ReauthFailed:
				failed = e
			case *ike.Down:
				t.Fatalf("connection down: %v", e.Err)
			case *ike.Reauthenticated:
				t.Fatal("reauthenticated without IKE_SA_INIT")
			}
		case <-time.After(20 * time.Millisecond):
		}
	}
	if failed == nil {
		t.Fatal("no ReauthFailed")
	}
	var unreachable *ike.PeerUnreachableError
	if !errors.As(failed.Err, &unreachable) || dropped.Load() != 3 {
		t.Fatalf("reauthentication failed with %v after %d requests, want unreachable after 3", failed.Err, dropped.Load())
	}
	// The old IKE SA still works: a Child SA rekey goes through it.
	p.cli.d.RekeyChild()
	next[*ike.ChildRekeyed](t, p.cli)
	next[*ike.ChildRekeyed](t, p.gw)
}
