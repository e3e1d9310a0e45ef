package ike_test

import (
	"errors"
	"net/netip"
	"testing"
	"time"

	"github.com/espressovpn/espresso/ipsec/ike"
	"github.com/espressovpn/espresso/ipsec/ike/iketest"
	"github.com/espressovpn/espresso/ipsec/ike/wire"
)

// silentStart runs a client whose gateway never answers and records its
// IKE_SA_INIT transmissions.
func silentStart(t *testing.T, cfg func(*ike.Config)) (*pair, *recorder) {
	t.Helper()
	cli, _ := pskConfigs(t)
	if cfg != nil {
		cfg(&cli)
	}
	clock := iketest.NewClock()
	n := iketest.NewNetwork()
	rec := &recorder{clock: clock}
	n.SetFilter(rec.filter(clientAddr, wire.IKESAInit, nil))
	p := &pair{net: n, clock: clock}
	p.cli = p.run(t, ike.New, cli, clientAddr, nil)
	rec.waitFor(t, 1)
	return p, rec
}

// TestSetupTimeout: an IKE_SA_INIT nobody answers is retransmitted on the
// usual back-off and given up at the setup limit, 30 s by default, well
// within the helper's 60 s wait for a connection, so that the user learns
// the gateway is unreachable rather than that time ran out.
func TestSetupTimeout(t *testing.T) {
	p, rec := silentStart(t, nil)
	start := p.clock.Now()
	for i, d := range []time.Duration{4 * time.Second, 7200 * time.Millisecond, 12960 * time.Millisecond} {
		p.clock.Advance(d)
		rec.waitFor(t, i+2)
	}
	p.clock.Advance(start.Add(ike.DefaultSetupTimeout).Sub(p.clock.Now()) - time.Millisecond)
	noDown(t, p.cli, "before the setup limit")
	p.clock.Advance(time.Millisecond)
	var pu *ike.PeerUnreachableError
	if err := next[*ike.Down](t, p.cli).Err; !errors.As(err, &pu) || pu.Exchange != wire.IKESAInit || pu.Tries != 4 ||
		pu.Peer != netip.AddrPortFrom(gatewayAddr, 500) || pu.Unreachable != 0 {
		t.Fatalf("down: %v, want the peer unreachable after 4 transmissions", err)
	}
	sameOffsets(t, rec.offsets(), []time.Duration{0, 4 * time.Second, 11200 * time.Millisecond, 24160 * time.Millisecond})
}

// TestUnreachableEndsSetup: an ICMP unreachable from the gateway's
// address:port brings the next IKE_SA_INIT forward to a second later, and
// the third transmission that bounces gives the gateway up, about 2 s
// after the first. Unreachables for another destination, or a second one
// for the same transmission, count for nothing.
func TestUnreachableEndsSetup(t *testing.T) {
	p, rec := silentStart(t, nil)
	gw := netip.AddrPortFrom(gatewayAddr, 500)
	d := p.cli.d
	d.Unreachable(netip.AddrPortFrom(gatewayAddr, 4500))
	d.Unreachable(netip.AddrPortFrom(clientAddr, 500))
	p.clock.Advance(time.Second)
	noDown(t, p.cli, "after unreachables for other destinations")
	if rec.count() != 1 {
		t.Fatalf("%d transmissions after unreachables for other destinations, want 1", rec.count())
	}
	d.Unreachable(gw)
	p.clock.Advance(time.Second - time.Millisecond)
	if rec.count() != 1 {
		t.Fatalf("retransmitted %v after the unreachable", time.Second-time.Millisecond)
	}
	p.clock.Advance(time.Millisecond)
	rec.waitFor(t, 2)
	// A burst for one transmission counts once.
	d.Unreachable(gw)
	d.Unreachable(gw)
	d.Unreachable(netip.AddrPortFrom(netip.AddrFrom16(gatewayAddr.As16()), 500))
	noDown(t, p.cli, "after a burst of unreachables for one transmission")
	p.clock.Advance(time.Second)
	rec.waitFor(t, 3)
	d.Unreachable(gw)
	var pu *ike.PeerUnreachableError
	if err := next[*ike.Down](t, p.cli).Err; !errors.As(err, &pu) || pu.Unreachable != 3 || pu.Tries != 3 || pu.Peer != gw ||
		!errors.Is(err, ike.ErrPeerUnreachable) {
		t.Fatalf("down: %v, want the peer unreachable after 3 bounced transmissions", err)
	}
	sameOffsets(t, rec.offsets(), []time.Duration{0, 2 * time.Second, 3 * time.Second})
}

// TestUnreachableIgnoredWhenEstablished: once the IKE SA stands, an ICMP
// message, which anyone can forge, changes nothing (RFC 7296 §2.4); only
// the liveness checks decide.
func TestUnreachableIgnoredWhenEstablished(t *testing.T) {
	cli, gw := pskConfigs(t)
	p := &pair{cliCfg: cli, gwCfg: gw}
	p.start(t)
	ce := next[*ike.Established](t, p.cli)
	for range 5 {
		p.cli.d.Unreachable(ce.Remote)
	}
	noDown(t, p.cli, "after unreachables on an established SA")
}

// TestUnreachableFromSocket: a Conn that reads its own sockets takes the
// ICMP errors they report: with nothing bound at the gateway's address,
// each IKE_SA_INIT bounces, and the gateway is given up after three
// transmissions, long before the first regular retransmission would
// have been sent (4 s), let alone the setup limit.
func TestUnreachableFromSocket(t *testing.T) {
	cli, _ := pskConfigs(t)
	clock := iketest.NewClock()
	n := iketest.NewNetwork()
	n.SetRefuse(true)
	rec := &recorder{clock: clock}
	n.SetFilter(rec.filter(clientAddr, wire.IKESAInit, nil))
	p := &pair{net: n, clock: clock}
	p.cli = p.run(t, ike.New, cli, clientAddr, nil)
	rec.waitFor(t, 1)
	start := clock.Now()
	// Fake time moves in small steps, with a pause for the reads of the
	// bounces; the bound is generous, the point is the order of magnitude.
	for range 100 {
		select {
		case e := <-p.cli.events:
			var pu *ike.PeerUnreachableError
			if dn, ok := e.(*ike.Down); !ok || !errors.As(dn.Err, &pu) || pu.Unreachable != 3 {
				t.Fatalf("event %#v, want down with 3 bounced transmissions", e)
			}
			if took := clock.Now().Sub(start); took >= 4*time.Second {
				t.Errorf("given up after %v of fake time, want under 4s", took)
			}
			return
		case <-time.After(20 * time.Millisecond):
		}
		clock.Advance(100 * time.Millisecond)
	}
	t.Fatalf("not given up after %v of fake time and %d transmissions", clock.Now().Sub(start), rec.count())
}
