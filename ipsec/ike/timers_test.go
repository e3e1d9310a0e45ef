package ike_test

import (
	"errors"
	"net/netip"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/espressovpn/espresso/ipsec/ike"
	"github.com/espressovpn/espresso/ipsec/ike/iketest"
	"github.com/espressovpn/espresso/ipsec/ike/wire"
)

// recorder counts the requests of one exchange type leaving an address, with
// the fake time of each.
type recorder struct {
	mu    sync.Mutex
	clock *iketest.Clock
	times []time.Time
}

func (r *recorder) filter(from netip.Addr, ex wire.ExchangeType, drop func() bool) iketest.Filter {
	return func(f, to netip.AddrPort, b []byte) bool {
		if f.Addr() == from {
			if len(b) > 4 && b[0]|b[1]|b[2]|b[3] == 0 {
				b = b[4:]
			}
			if h, err := wire.ParseHeader(b); err == nil && h.ExchangeType == ex && !h.IsResponse() {
				r.mu.Lock()
				r.times = append(r.times, r.clock.Now())
				r.mu.Unlock()
			}
		}
		return drop == nil || !drop()
	}
}

func (r *recorder) count() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.times)
}

// waitFor polls until the recorder saw n requests. The bound is generous:
// on a loaded machine a daemon may take seconds to run a timer's work.
func (r *recorder) waitFor(t *testing.T, n int) {
	t.Helper()
	for deadline := time.Now().Add(eventWait); r.count() < n; time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("saw %d requests after %v, want %d", r.count(), eventWait, n)
		}
	}
}

// TestRetransmission: with nobody answering, IKE_SA_INIT goes out at the
// back-off times of RFC 7296 §2.1 (4 s · 1.8^n) and the peer is then given up.
func TestRetransmission(t *testing.T) {
	cli, _ := pskConfigs(t)
	cli.SetupTimeout = -1
	clock := iketest.NewClock()
	n := iketest.NewNetwork()
	rec := &recorder{clock: clock}
	n.SetFilter(rec.filter(clientAddr, wire.IKESAInit, nil))
	p := &pair{net: n, clock: clock}
	p.cli = p.run(t, ike.New, cli, clientAddr, nil)
	start := clock.Now()
	want := []time.Duration{0}
	step := 4 * time.Second
	for i := range 5 {
		want = append(want, want[i]+step)
		step = time.Duration(float64(step) * 1.8)
	}
	for i := range want {
		rec.waitFor(t, i+1)
		if i+1 < len(want) {
			clock.Advance(want[i+1] - want[i])
		}
	}
	for i, at := range rec.times {
		if d := at.Sub(start); d != want[i] {
			t.Errorf("transmission %d at %v, want %v", i, d, want[i])
		}
	}
	clock.Advance(step - time.Millisecond)
	select {
	case e := <-p.cli.events:
		t.Fatalf("gave up early: %#v", e)
	case <-time.After(50 * time.Millisecond):
	}
	clock.Advance(time.Millisecond)
	var pu *ike.PeerUnreachableError
	if err := next[*ike.Down](t, p.cli).Err; !errors.As(err, &pu) || pu.Tries != 6 {
		t.Fatalf("down: %v", err)
	}
	if rec.count() != 6 {
		t.Fatalf("%d transmissions", rec.count())
	}
}

// TestDPD: an idle peer gets a liveness check after DPDDelay; when it stops
// answering the connection goes down after the retransmissions.
func TestDPD(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		cli, gw := pskConfigs(t)
		cli.DPDDelay = 30 * time.Second
		gw.DPDDelay = -1
		cli.Retransmit = ike.Retransmit{Timeout: time.Second, Base: 2, Tries: 2}
		clock := iketest.NewClock()
		n := iketest.NewNetwork()
		rec := &recorder{clock: clock}
		var mu sync.Mutex
		silent := false
		n.SetFilter(rec.filter(clientAddr, wire.Informational, func() bool {
			mu.Lock()
			defer mu.Unlock()
			return silent
		}))
		p := &pair{cliCfg: cli, gwCfg: gw, net: n, clock: clock}
		p.start(t)
		next[*ike.Established](t, p.cli)
		next[*ike.Established](t, p.gw)
		clock.Advance(29 * time.Second)
		synctest.Wait()
		if rec.count() != 0 {
			t.Fatalf("liveness check before the delay")
		}
		clock.Advance(time.Second)
		rec.waitFor(t, 1)
		synctest.Wait() // the answer arrives
		mu.Lock()
		silent = true // the gateway's answers vanish from now on
		mu.Unlock()
		clock.Advance(30 * time.Second)
		rec.waitFor(t, 2)
		clock.Advance(time.Second)
		rec.waitFor(t, 3)
		clock.Advance(2 * time.Second)
		rec.waitFor(t, 4)
		clock.Advance(4 * time.Second)
		if err := next[*ike.Down](t, p.cli).Err; !errors.Is(err, ike.ErrPeerUnreachable) {
			t.Fatalf("down: %v", err)
		}
	})
}

// TestDeleteFromGateway: the gateway deletes the IKE SA; the client goes
// down with ErrDeleted and the gateway cleanly.
func TestDeleteFromGateway(t *testing.T) {
	cli, gw := pskConfigs(t)
	p := &pair{cliCfg: cli, gwCfg: gw}
	p.start(t)
	next[*ike.Established](t, p.cli)
	next[*ike.Established](t, p.gw)
	p.gw.d.Terminate()
	if err := next[*ike.Down](t, p.gw).Err; err != nil {
		t.Fatalf("gateway: %v", err)
	}
	if err := next[*ike.Down](t, p.cli).Err; err != ike.ErrDeleted {
		t.Fatalf("client: %v", err)
	}
}
