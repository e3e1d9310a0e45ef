package ike_test

import (
	"errors"
	"net/netip"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/espressovpn/espresso/ipsec/ike"
	"github.com/espressovpn/espresso/ipsec/ike/wire"
)

// A soft expiry from the data path rekeys the Child SA at once; a hard one
// of the only Child SA ends the connection, which cannot carry traffic
// any more.
func TestDataPathExpiries(t *testing.T) {
	cli, gw := pskConfigs(t)
	p := &pair{cliCfg: cli, gwCfg: gw}
	p.start(t)
	est := next[*ike.Established](t, p.cli)
	next[*ike.Established](t, p.gw)

	p.cli.d.Expire(ike.Expiry{SPI: est.Child.InSPI})
	r := next[*ike.ChildRekeyed](t, p.cli)
	next[*ike.ChildRekeyed](t, p.gw)
	if r.Old.InSPI != est.Child.InSPI {
		t.Fatalf("rekeyed %08x, expired %08x", r.Old.InSPI, est.Child.InSPI)
	}
	// Expiries of SAs the Conn does not hold change nothing.
	p.cli.d.Expire(ike.Expiry{SPI: est.Child.InSPI, Hard: true})
	p.cli.d.Expire(ike.Expiry{SPI: 0x12345678, Outbound: true, Hard: true})

	p.cli.d.Expire(ike.Expiry{SPI: r.New.OutSPI, Outbound: true, Hard: true})
	if err := next[*ike.Down](t, p.cli).Err; !errors.Is(err, ike.ErrChildExpired) {
		t.Fatalf("client: %v", err)
	}
	if err := next[*ike.Down](t, p.gw).Err; !errors.Is(err, ike.ErrDeleted) {
		t.Fatalf("gateway: %v", err)
	}
}

// moveRecorder is a data path that records where each Child SA's ESP goes.
type moveRecorder struct {
	mu    sync.Mutex
	moves []netip.AddrPort
}

func (m *moveRecorder) AddInbound(*ike.ChildSA) error          { return nil }
func (m *moveRecorder) SetOutbound(*ike.ChildSA, uint32) error { return nil }
func (m *moveRecorder) Remove(*ike.ChildSA) error              { return nil }
func (m *moveRecorder) MovePeer(sa *ike.ChildSA) error {
	m.mu.Lock()
	m.moves = append(m.moves, sa.Remote)
	m.mu.Unlock()
	return nil
}
func (m *moveRecorder) moved() []netip.AddrPort {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]netip.AddrPort(nil), m.moves...)
}

// isInformationalResponse tells an INFORMATIONAL response, after the
// non-ESP marker of port 4500 (RFC 3948 §2.2) if there is one.
func isInformationalResponse(b []byte) bool {
	if len(b) >= 4+wire.HeaderLen && b[0]|b[1]|b[2]|b[3] == 0 {
		b = b[4:]
	}
	return len(b) >= wire.HeaderLen && wire.ExchangeType(b[18]) == wire.Informational && wire.Flags(b[19])&wire.FlagResponse != 0
}

// When the client's NAT rebinds its port-4500 mapping, the gateway moves
// its Child SA's ESP to the new port. Without MOBIKE it follows the
// client's next authenticated request (RFC 7296 §2.23). With MOBIKE it
// makes no such implicit move (RFC 4555 §3.8): the client's liveness
// checks carry NAT detection notifies, the gateway's answer shows the new
// mapping, and the client sends UPDATE_SA_ADDRESSES.
func TestNATRebindingMovesESP(t *testing.T) {
	for _, mobike := range []bool{false, true} {
		name := "rfc7296"
		if mobike {
			name = "mobike"
		}
		t.Run(name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) { natRebinding(t, mobike) })
		})
	}
}

// natRebinding runs TestNATRebindingMovesESP inside a synctest bubble,
// where the daemons' timers run on the bubble's clock.
func natRebinding(t *testing.T, mobike bool) {
	cli, gw := pskConfigs(t)
	cli.DisableMOBIKE = !mobike
	// Only the client checks liveness: a check of the gateway's would
	// stand in for the client's (RFC 7296 §1.4).
	gw.DPDDelay = -1
	rec := &moveRecorder{}
	p := &pair{cliCfg: cli, gwCfg: gw, gwPath: rec, sysClock: true}
	p.net = iketestNetworkWithNAT()
	p.start(t)
	next[*ike.Established](t, p.cli)
	ge := next[*ike.Established](t, p.gw)
	if ge.Remote != natOutside4500 || ge.Child.Encap != true {
		t.Fatalf("gateway sees the client at %v (encap %v), want %v", ge.Remote, ge.Child.Encap, natOutside4500)
	}
	// A first periodic liveness check, before the NAT changes, is
	// answered; ESP stays where it is.
	var answers atomic.Int32
	p.net.SetFilter(func(from, _ netip.AddrPort, b []byte) bool {
		if from.Addr() == gatewayAddr && isInformationalResponse(b) {
			answers.Add(1)
		}
		return true
	})
	time.Sleep(ike.DefaultDPDDelay + time.Second)
	synctest.Wait()
	if answers.Load() == 0 {
		t.Fatal("the first liveness check was not answered")
	}
	if m := rec.moved(); len(m) != 0 {
		t.Fatalf("ESP moved to %v before the NAT changed", m)
	}
	rebound := netip.AddrPortFrom(natOutside4500.Addr(), 45000)
	p.net.SetNAT(netip.AddrPortFrom(clientAddr, 4500), rebound)
	time.Sleep(ike.DefaultDPDDelay + time.Second)
	synctest.Wait()
	m := rec.moved()
	if len(m) == 0 {
		t.Fatal("the gateway did not move its Child SA to the client's new port")
	}
	if m[len(m)-1] != rebound {
		t.Fatalf("ESP moved to %v, want %v", m, rebound)
	}
	if mobike {
		if mv := next[*ike.Moved](t, p.gw); mv.Remote != rebound {
			t.Fatalf("gateway moved to %v, want %v", mv.Remote, rebound)
		}
	}
}
