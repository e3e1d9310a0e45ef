package ike_test

import (
	"errors"
	"net/netip"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/espressovpn/espresso/ipsec/ike"
)

// The client's second address, after its network changed.
var clientAddr2 = netip.MustParseAddr("192.0.2.102")

// moveClient gives the client its second address: its sockets, bound to
// the unspecified address as the helper's are, send from it from now on.
func (p *pair) moveClient(t *testing.T) {
	t.Helper()
	for _, port := range []uint16{500, 4500} {
		if !p.net.Move(netip.AddrPortFrom(clientAddr, port), netip.AddrPortFrom(clientAddr2, port)) {
			t.Fatalf("no client socket on port %d", port)
		}
	}
}

// noEvent fails when the peer reports a new IKE SA, a rekey or a Down.
func noNewSA(t *testing.T, p *peer, who string) {
	t.Helper()
	for {
		select {
		case e := <-p.events:
			switch e.(type) {
			case *ike.Established, *ike.IKERekeyed, *ike.ChildRekeyed, *ike.ChildUp, *ike.Down:
				t.Fatalf("%s: unexpected %T %+v", who, e, e)
			}
		default:
			return
		}
	}
}

// RFC 4555: the client's address changes while traffic flows both ways;
// after UPDATE_SA_ADDRESSES the same IKE SA and Child SA (same SPIs, no
// rekey) carry the traffic from the new address, and none of it is lost
// on the way up.
func TestMOBIKEMovesUnderTraffic(t *testing.T) {
	cli, gw := pskConfigs(t)
	p := &pair{cliCfg: cli, gwCfg: gw, engineOnNet: true}
	p.start(t)
	ce := next[*ike.Established](t, p.cli)
	ge := next[*ike.Established](t, p.gw)
	if ce.Remote.Port() != ike.DefaultNATTPort || ge.Remote != netip.AddrPortFrom(clientAddr, 4500) {
		t.Fatalf("IKE not on port 4500: client talks to %v, gateway to %v", ce.Remote, ge.Remote)
	}
	vip := ce.VirtualIPs[0]

	// Up: a transfer that spans the move. The gateway takes ESP by SPI from
	// any address, so nothing may be lost.
	const n = 2000
	var wg sync.WaitGroup
	var lostUp, lostDown int
	wg.Add(1)
	go flow{p.cli, p.gw, vip, lanHost}.run(t, n, 200*time.Microsecond, &wg, &lostUp)
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(time.Millisecond) {
		if in, _, _ := p.gw.engine.e.SACounters(ge.Child.InSPI); in.Packets >= n/4 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the transfer did not start")
		}
	}
	p.moveClient(t)
	p.cli.d.PathChanged(clientAddr2)
	cm := next[*ike.Moved](t, p.cli)
	gm := next[*ike.Moved](t, p.gw)
	if cm.Local.Addr() != clientAddr2 || gm.Remote != netip.AddrPortFrom(clientAddr2, 4500) {
		t.Fatalf("moved: client from %v, gateway to %v", cm.Local, gm.Remote)
	}
	wg.Wait()
	if lostUp != 0 {
		t.Fatalf("lost %d of %d packets up across the move; drops: client %v, gateway %v", lostUp, n, p.cli.engine.drops(), p.gw.engine.drops())
	}

	// Down and up after the move: the gateway's ESP follows the client,
	// whose old address now leads nowhere.
	wg.Add(2)
	go flow{p.gw, p.cli, lanHost, vip}.run(t, 500, 0, &wg, &lostDown)
	go flow{p.cli, p.gw, vip, lanHost}.run(t, 500, 0, &wg, &lostUp)
	wg.Wait()
	if lostUp+lostDown != 0 {
		t.Fatalf("after the move lost %d up, %d down; drops: client %v, gateway %v", lostUp, lostDown, p.cli.engine.drops(), p.gw.engine.drops())
	}
	noNewSA(t, p.cli, "client")
	noNewSA(t, p.gw, "gateway")
	in, out, ok := p.cli.engine.e.SACounters(ce.Child.InSPI)
	if !ok || in.Packets != 500 || out.Packets != n+500 {
		t.Fatalf("the first Child SA did not carry everything: in %+v out %+v", in, out)
	}

	// The IKE SA itself answers from the new address: a rekey works.
	p.cli.d.RekeyIKE()
	next[*ike.IKERekeyed](t, p.cli)
	next[*ike.IKERekeyed](t, p.gw)
}

// A gateway without MOBIKE cannot follow a new address: the client ends
// the connection with ErrMOBIKEUnsupported for its owner to connect again.
// A change that kept the address only checks liveness.
func TestMOBIKEUnsupported(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		cli, gw := pskConfigs(t)
		gw.DisableMOBIKE = true
		p := &pair{cliCfg: cli, gwCfg: gw}
		p.start(t)
		next[*ike.Established](t, p.cli)
		next[*ike.Established](t, p.gw)

		p.cli.d.PathChanged(clientAddr)
		synctest.Wait()
		noNewSA(t, p.cli, "client")

		p.moveClient(t)
		p.cli.d.PathChanged(clientAddr2)
		if err := next[*ike.Down](t, p.cli).Err; !errors.Is(err, ike.ErrMOBIKEUnsupported) {
			t.Fatalf("client down: %v", err)
		}
	})
}

// RFC 4555 §3.3: with MOBIKE the IKE SA moves to port 4500 even without a
// NAT, but ESP stays unencapsulated unless a NAT is detected or claimed.
func TestMOBIKEPort4500WithoutEncap(t *testing.T) {
	cli, gw := pskConfigs(t)
	cli.RawESP, gw.RawESP = true, true
	p := &pair{cliCfg: cli, gwCfg: gw}
	p.start(t)
	ce := next[*ike.Established](t, p.cli)
	ge := next[*ike.Established](t, p.gw)
	if ce.Remote.Port() != ike.DefaultNATTPort || ge.Remote.Port() != 4500 {
		t.Fatalf("IKE not on port 4500: client talks to %v, gateway to %v", ce.Remote, ge.Remote)
	}
	if ce.Child.Encap || ge.Child.Encap || ce.LocalNAT || ce.RemoteNAT {
		t.Fatalf("ESP encapsulated without a NAT: client %+v, gateway %+v", ce, ge)
	}
}
