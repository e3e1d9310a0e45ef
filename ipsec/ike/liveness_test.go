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
	"github.com/espressovpn/espresso/ipsec/ike/iketest"
	"github.com/espressovpn/espresso/ipsec/ike/wire"
	"github.com/espressovpn/espresso/ipsec/socket"
)

// silentGateway is a network on the fake clock whose gateway stops hearing
// the client's requests of one exchange type once silence is set. rec
// records the fake time each of those requests leaves the client, info
// the client's INFORMATIONAL requests.
type silentGateway struct {
	clock     *iketest.Clock
	net       *iketest.Network
	rec, info *recorder
	silence   atomic.Bool

	mu   sync.Mutex
	spis [2]uint64 // the client's IKE SPIs, from its IKE_AUTH request
}

func newSilentGateway(ex wire.ExchangeType) *silentGateway {
	g := &silentGateway{clock: iketest.NewClock(), net: iketest.NewNetwork()}
	g.rec, g.info = &recorder{clock: g.clock}, &recorder{clock: g.clock}
	record := g.rec.filter(clientAddr, ex, nil)
	recordInfo := g.info.filter(clientAddr, wire.Informational, nil)
	g.net.SetFilter(func(from, to netip.AddrPort, b []byte) bool {
		record(from, to, b)
		recordInfo(from, to, b)
		if from.Addr() != clientAddr {
			return true
		}
		if len(b) > 4 && b[0]|b[1]|b[2]|b[3] == 0 {
			b = b[4:]
		}
		h, err := wire.ParseHeader(b)
		if err != nil {
			return true
		}
		if h.ExchangeType == wire.IKEAuth {
			g.mu.Lock()
			g.spis = [2]uint64{h.SPIi, h.SPIr}
			g.mu.Unlock()
		}
		return !g.silence.Load() || h.ExchangeType != ex || h.IsResponse()
	})
	return g
}

// establish runs a client with a 10 s DPD interval and the given liveness
// limit (0: the default) against a gateway that checks nothing itself.
func (g *silentGateway) establish(t *testing.T, timeout time.Duration) *pair {
	t.Helper()
	cli, gw := pskConfigs(t)
	cli.DPDDelay = 10 * time.Second
	cli.DPDTimeout = timeout
	gw.DPDDelay = -1
	p := &pair{cliCfg: cli, gwCfg: gw, net: g.net, clock: g.clock}
	p.start(t)
	next[*ike.Established](t, p.cli)
	next[*ike.Established](t, p.gw)
	return p
}

// step advances the clock by d, waits until the client has sent n of the
// recorded requests, and lets it arm its next timer; it runs inside a
// synctest bubble.
func (g *silentGateway) step(t *testing.T, d time.Duration, n int) {
	t.Helper()
	g.clock.Advance(d)
	g.rec.waitFor(t, n)
	synctest.Wait()
}

// offsets returns when the recorded requests left, relative to the first.
func (r *recorder) offsets() []time.Duration {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []time.Duration
	for _, at := range r.times {
		out = append(out, at.Sub(r.times[0]))
	}
	return out
}

// noDown asserts that the client reports no Down for a moment.
func noDown(t *testing.T, p *peer, when string) {
	t.Helper()
	deadline := time.After(50 * time.Millisecond)
	for {
		select {
		case e := <-p.events:
			if dn, ok := e.(*ike.Down); ok {
				t.Fatalf("down %s: %v", when, dn.Err)
			}
		case <-deadline:
			return
		}
	}
}

func sameOffsets(t *testing.T, got, want []time.Duration) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("transmissions at %v, want %v", got, want)
	}
	for i := range got {
		if got[i] != want[i] {
			t.Errorf("transmission %d at %v, want %v", i, got[i], want[i])
		}
	}
}

// TestDPDTimeout: a liveness check the gateway never answers is
// retransmitted on the usual back-off (4 s · 1.8^n), cut short by the
// default 30 s limit, and the gateway is given up exactly at the limit
// rather than after the 165 s of every retransmission. The liveness
// checks that fall due meanwhile add no requests of their own.
func TestDPDTimeout(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		g := newSilentGateway(wire.Informational)
		p := g.establish(t, 0)
		g.silence.Store(true)
		g.step(t, 10*time.Second, 1)
		start := g.clock.Now()
		g.step(t, 4*time.Second, 2)
		g.step(t, 7200*time.Millisecond, 3)
		g.step(t, 12960*time.Millisecond, 4)
		g.clock.Advance(start.Add(ike.DefaultDPDTimeout).Sub(g.clock.Now()) - time.Millisecond)
		noDown(t, p.cli, "before the liveness limit")
		g.clock.Advance(time.Millisecond)
		var pu *ike.PeerUnreachableError
		if err := next[*ike.Down](t, p.cli).Err; !errors.As(err, &pu) || pu.Exchange != wire.Informational {
			t.Fatalf("down: %v, want the peer unreachable", err)
		}
		sameOffsets(t, g.rec.offsets(), []time.Duration{0, 4 * time.Second, 11200 * time.Millisecond, 24160 * time.Millisecond})
	})
}

// TestDPDLimitsPendingRequest: a Child SA rekey the gateway never answers
// serves as the liveness check once one falls due (a single request may
// be in flight, RFC 7296 §2.3): no INFORMATIONAL is queued behind it, and
// it is given up at the liveness limit, counted from when the check fell
// due, rather than after every retransmission.
func TestDPDLimitsPendingRequest(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		g := newSilentGateway(wire.CreateChildSA)
		p := g.establish(t, 20*time.Second)
		g.silence.Store(true)
		established := g.clock.Now()
		p.cli.d.RekeyChild()
		g.rec.waitFor(t, 1)
		synctest.Wait()
		g.step(t, 4*time.Second, 2)
		// The check falls due 10 s after the gateway's last word, between
		// the second and the third transmission.
		g.clock.Advance(6 * time.Second)
		synctest.Wait()
		g.step(t, 1200*time.Millisecond, 3)
		g.step(t, 12960*time.Millisecond, 4)
		limit := established.Add(10*time.Second + 20*time.Second)
		g.clock.Advance(limit.Sub(g.clock.Now()) - time.Millisecond)
		noDown(t, p.cli, "before the liveness limit")
		g.clock.Advance(time.Millisecond)
		var pu *ike.PeerUnreachableError
		if err := next[*ike.Down](t, p.cli).Err; !errors.As(err, &pu) || pu.Exchange != wire.CreateChildSA {
			t.Fatalf("down: %v, want the rekey unanswered", err)
		}
		sameOffsets(t, g.rec.offsets(), []time.Duration{0, 4 * time.Second, 11200 * time.Millisecond, 24160 * time.Millisecond})
		if n := g.info.count(); n != 0 {
			t.Errorf("%d INFORMATIONAL requests besides the rekey, want none", n)
		}
	})
}

// invalidSPI sends the client an unprotected INFORMATIONAL response with
// INVALID_IKE_SPI for its IKE SA and message ID id (RFC 7296 §1.5), from
// a port of from's address that no Conn uses.
func (g *silentGateway) invalidSPI(t *testing.T, from netip.Addr, id uint32) {
	t.Helper()
	g.mu.Lock()
	spis := g.spis
	g.mu.Unlock()
	m := wire.Message{
		Header: wire.Header{
			SPIi: spis[0], SPIr: spis[1],
			MajorVersion: wire.MajorVersion, ExchangeType: wire.Informational,
			Flags: wire.FlagResponse, MessageID: id,
		},
		Payloads: wire.Payloads{wire.NewNotify(wire.InvalidIKESPI, nil)},
	}
	b, err := m.AppendTo(nil)
	if err != nil {
		t.Fatal(err)
	}
	c := g.net.Listen(netip.AddrPortFrom(from, 501))
	defer c.Close()
	if _, err := c.WriteBatch([]socket.Datagram{{Buf: b, Addr: netip.AddrPortFrom(clientAddr, 500)}}); err != nil {
		t.Fatal(err)
	}
}

// TestInvalidIKESPIChecksLiveness: an unprotected INVALID_IKE_SPI from the
// gateway's address answering one of the client's requests (RFC 7296
// §2.21.4) makes the client check liveness at once, not at the next DPD
// interval, and changes nothing else: the gateway answers and the IKE SA
// stays. One naming a message ID the client never sent, or coming from
// another address, is ignored.
func TestInvalidIKESPIChecksLiveness(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		g := newSilentGateway(wire.Informational)
		p := g.establish(t, 0)

		g.invalidSPI(t, gatewayAddr, 99)
		g.invalidSPI(t, netip.MustParseAddr("198.51.100.9"), 1)
		synctest.Wait()
		if n := g.rec.count(); n != 0 {
			t.Fatalf("%d liveness checks after forged INVALID_IKE_SPI notifies, want none", n)
		}

		g.invalidSPI(t, gatewayAddr, 1) // IKE_AUTH's message ID
		g.rec.waitFor(t, 1)
		noDown(t, p.cli, "after INVALID_IKE_SPI")
		// The gateway answered: the check is done, and the next one comes
		// only after another DPD interval of silence.
		g.clock.Advance(9 * time.Second)
		synctest.Wait()
		if n := g.rec.count(); n != 1 {
			t.Errorf("%d liveness checks, want 1", n)
		}
		p.cli.d.Close()
		if err := next[*ike.Down](t, p.cli).Err; err != nil {
			t.Errorf("down after Close: %v, want a clean close", err)
		}
	})
}
