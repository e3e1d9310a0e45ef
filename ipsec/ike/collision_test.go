package ike_test

import (
	"net/netip"
	"sync"
	"testing"
	"time"

	"github.com/espressovpn/espresso/ipsec/ike"
	"github.com/espressovpn/espresso/ipsec/ike/wire"
)

// collider holds back each side's first CREATE_CHILD_SA request until
// both have sent one, so that the retransmissions cross and each side gets
// the other's request while its own is in flight.
type collider struct {
	mu      sync.Mutex
	dropped map[netip.Addr]int
	open    bool
}

func (c *collider) filter(from, _ netip.AddrPort, b []byte) bool {
	if len(b) >= 4+wire.HeaderLen && b[0]|b[1]|b[2]|b[3] == 0 {
		b = b[4:] // the non-ESP marker of port 4500 (RFC 3948 §2.2)
	}
	if len(b) < wire.HeaderLen || wire.ExchangeType(b[18]) != wire.CreateChildSA || wire.Flags(b[19])&wire.FlagResponse != 0 {
		return true
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.open {
		return true
	}
	c.dropped[from.Addr()]++
	return false
}

// both waits until both sides' requests are held, then lets them through.
func (c *collider) both(t *testing.T) {
	t.Helper()
	for range 500 {
		c.mu.Lock()
		if len(c.dropped) == 2 {
			c.open = true
			c.mu.Unlock()
			return
		}
		c.mu.Unlock()
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatal("the two rekeys did not both start")
}

func collidingPair(t *testing.T) (*pair, *collider) {
	cli, gw := pskConfigs(t)
	// Random nonces decide the winner; both outcomes are exercised over
	// runs, and the assertions hold for either.
	c := &collider{dropped: map[netip.Addr]int{}}
	p := &pair{cliCfg: cli, gwCfg: gw}
	p.start(t)
	next[*ike.Established](t, p.cli)
	next[*ike.Established](t, p.gw)
	p.net.SetFilter(c.filter)
	return p, c
}

// RFC 7296 §2.8.1: both ends rekey the same Child SA at once. The SA made
// by the exchange with the lowest nonce is redundant and its creator
// deletes it; both ends keep the same single new SA.
func TestChildRekeyCollision(t *testing.T) {
	p, c := collidingPair(t)
	p.cli.d.RekeyChild()
	p.gw.d.RekeyChild()
	c.both(t)
	p.clock.Advance(ike.DefaultRetransmitTimeout)
	cr := next[*ike.ChildRekeyed](t, p.cli)
	gr := next[*ike.ChildRekeyed](t, p.gw)
	if cr.New.InSPI != gr.New.OutSPI || cr.New.OutSPI != gr.New.InSPI {
		t.Fatalf("the ends kept different Child SAs: client %08x/%08x, gateway %08x/%08x",
			cr.New.InSPI, cr.New.OutSPI, gr.New.InSPI, gr.New.OutSPI)
	}
	// The survivor is the one both ends rekey next, and nothing else is
	// left to report.
	p.cli.d.RekeyChild()
	cr2 := next[*ike.ChildRekeyed](t, p.cli)
	gr2 := next[*ike.ChildRekeyed](t, p.gw)
	if cr2.Old.InSPI != cr.New.InSPI || gr2.Old.InSPI != gr.New.InSPI {
		t.Fatalf("second rekey replaced %08x and %08x, not the survivor", cr2.Old.InSPI, gr2.Old.InSPI)
	}
	noEvent[*ike.ChildDown](t, p.cli)
	noEvent[*ike.ChildDown](t, p.gw)
}

// RFC 7296 §2.8.2: both ends rekey the IKE SA at once. One new IKE SA
// survives on both ends, and it works: a Child SA rekey goes through it.
func TestIKERekeyCollision(t *testing.T) {
	p, c := collidingPair(t)
	p.cli.d.RekeyIKE()
	p.gw.d.RekeyIKE()
	c.both(t)
	p.clock.Advance(ike.DefaultRetransmitTimeout)
	next[*ike.IKERekeyed](t, p.cli)
	next[*ike.IKERekeyed](t, p.gw)
	for _, from := range []*peer{p.cli, p.gw} {
		from.d.RekeyChild()
		next[*ike.ChildRekeyed](t, p.cli)
		next[*ike.ChildRekeyed](t, p.gw)
	}
	noEvent[*ike.Down](t, p.cli)
	noEvent[*ike.Down](t, p.gw)
}

// noEvent fails if an event of type E is waiting or arrives shortly.
func noEvent[E ike.Event](t *testing.T, p *peer) {
	t.Helper()
	deadline := time.After(100 * time.Millisecond)
	for {
		select {
		case e := <-p.events:
			if _, ok := e.(E); ok {
				t.Fatalf("unexpected %T: %+v", e, e)
			}
		case <-deadline:
			return
		}
	}
}

// A rekey of ours crossed by the peer's, where the peer got its answer
// first, took our old SA for plain and deleted it: the SA the peer made
// replaces it, and the peer's CHILD_SA_NOT_FOUND to our late
// retransmission takes nothing down.
func TestChildRekeyOvertakenByPeer(t *testing.T) {
	cli, gw := pskConfigs(t)
	p := &pair{cliCfg: cli, gwCfg: gw}
	p.start(t)
	next[*ike.Established](t, p.cli)
	next[*ike.Established](t, p.gw)
	// The gateway's rekey requests are lost until the client's rekey is
	// done.
	var mu sync.Mutex
	held, open := 0, false
	p.net.SetFilter(func(from, _ netip.AddrPort, b []byte) bool {
		if len(b) >= 4+wire.HeaderLen && b[0]|b[1]|b[2]|b[3] == 0 {
			b = b[4:]
		}
		if from.Addr() != gatewayAddr || len(b) < wire.HeaderLen || wire.ExchangeType(b[18]) != wire.CreateChildSA || wire.Flags(b[19])&wire.FlagResponse != 0 {
			return true
		}
		mu.Lock()
		defer mu.Unlock()
		held++
		return open
	})
	p.gw.d.RekeyChild()
	for i := 0; ; i++ {
		mu.Lock()
		n := held
		mu.Unlock()
		if n > 0 {
			break
		}
		if i == 500 {
			t.Fatal("the gateway's rekey did not start")
		}
		time.Sleep(10 * time.Millisecond)
	}
	p.cli.d.RekeyChild()
	cr := next[*ike.ChildRekeyed](t, p.cli)
	gr := next[*ike.ChildRekeyed](t, p.gw)
	if cr.New.InSPI != gr.New.OutSPI {
		t.Fatalf("the ends kept different Child SAs: client %08x, gateway %08x", cr.New.InSPI, gr.New.OutSPI)
	}
	mu.Lock()
	open = true
	mu.Unlock()
	p.clock.Advance(ike.DefaultRetransmitTimeout)
	// The gateway's next rekey waits for the answer to its first one, so
	// whatever that answer caused is reported before it.
	p.gw.d.RekeyChild()
	for {
		switch e := next[ike.Event](t, p.gw).(type) {
		case *ike.ChildDown:
			t.Fatalf("unexpected ChildDown: %+v", e)
		case *ike.ChildRekeyed:
			if e.Old.InSPI != gr.New.InSPI {
				t.Fatalf("the gateway rekeyed %08x, not the survivor %08x", e.Old.InSPI, gr.New.InSPI)
			}
			return
		}
	}
}
