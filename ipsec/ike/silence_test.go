package ike_test

import (
	"net/netip"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/espressovpn/espresso/ipsec/ike"
	"github.com/espressovpn/espresso/ipsec/ike/iketest"
	"github.com/espressovpn/espresso/ipsec/ike/wire"
)

// trafficPath is a client data path whose packet counters the test moves,
// as ESP arriving and leaving would.
type trafficPath struct {
	in, out atomic.Uint64
}

func (*trafficPath) AddInbound(*ike.ChildSA) error          { return nil }
func (*trafficPath) SetOutbound(*ike.ChildSA, uint32) error { return nil }
func (*trafficPath) Remove(*ike.ChildSA) error              { return nil }
func (p *trafficPath) Traffic(*ike.ChildSA) (in, out uint64, ok bool) {
	return p.in.Load(), p.out.Load(), true
}

// infoLog records when the client's INFORMATIONAL requests leave, on the
// bubble's clock.
type infoLog struct {
	mu    sync.Mutex
	times []time.Time
}

func (l *infoLog) filter(from, _ netip.AddrPort, b []byte) bool {
	if from.Addr() == gatewayAddr {
		return true
	}
	if len(b) > 4 && b[0]|b[1]|b[2]|b[3] == 0 {
		b = b[4:]
	}
	if h, err := wire.ParseHeader(b); err == nil && h.ExchangeType == wire.Informational && !h.IsResponse() {
		l.mu.Lock()
		l.times = append(l.times, time.Now())
		l.mu.Unlock()
	}
	return true
}

// since returns when the recorded requests left, relative to at.
func (l *infoLog) since(at time.Time) []time.Duration {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []time.Duration
	for _, x := range l.times {
		if !x.Before(at) {
			out = append(out, x.Sub(at))
		}
	}
	return out
}

// silencePair starts a client with a 30 s DPD interval and the counting
// data path on n, inside a synctest bubble, against a gateway that checks
// liveness every gwDPD (negative: never) and records where its ESP goes.
func silencePair(t *testing.T, n *iketest.Network, gwDPD time.Duration) (*pair, *trafficPath, *moveRecorder, *infoLog) {
	t.Helper()
	cli, gw := pskConfigs(t)
	cli.DPDDelay = 30 * time.Second
	gw.DPDDelay = gwDPD
	tp, rec, log := &trafficPath{}, &moveRecorder{}, &infoLog{}
	n.SetFilter(log.filter)
	p := &pair{cliCfg: cli, gwCfg: gw, net: n, sysClock: true, cliPath: tp, gwPath: rec}
	p.start(t)
	next[*ike.Established](t, p.cli)
	next[*ike.Established](t, p.gw)
	return p, tp, rec, log
}

// within fails unless every offset lies in [lo, hi] and there are want.
func within(t *testing.T, got []time.Duration, want int, lo, hi time.Duration, what string) {
	t.Helper()
	if len(got) != want {
		t.Fatalf("%s: %d liveness checks at %v, want %d", what, len(got), got, want)
	}
	for _, d := range got {
		if d < lo || d > hi {
			t.Fatalf("%s: liveness checks at %v, want within [%v, %v]", what, got, lo, hi)
		}
	}
}

// RFC 7296 §1.4: ESP from the peer proves it alive as IKE does. While
// ESP arrives no liveness check goes out, however long; once it stops,
// the check follows the DPD interval of silence, within the period at
// which the counters are read (3 s for 30 s).
func TestLivenessFollowsInboundSilence(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p, tp, _, log := silencePair(t, iketest.NewNetwork(), -1)
		start := time.Now()
		for range 100 {
			time.Sleep(time.Second)
			tp.in.Add(1)
			tp.out.Add(1)
		}
		lastIn := time.Now()
		within(t, log.since(start), 0, 0, 0, "while ESP arrived for 100 s")
		time.Sleep(40 * time.Second)
		synctest.Wait()
		within(t, log.since(lastIn), 1, 30*time.Second, 33*time.Second, "after ESP stopped")
		noDown(t, p.cli, "after the check")
	})
}

// Behind a NAT, the client learns the gateway's view of its port-4500
// mapping with a check right after IKE_AUTH, so that a remap before the
// first periodic check is seen as one: the gateway's ESP moves to the
// new mapping within the DPD interval of the silence it causes.
func TestNATRemapBeforeFirstCheck(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		n := iketestNetworkWithNAT()
		p, tp, rec, log := silencePair(t, n, -1)
		synctest.Wait()
		est := time.Now()
		within(t, log.since(est.Add(-time.Second)), 1, 0, time.Second, "right after IKE_AUTH")

		// ESP both ways for 5 s, then the NAT remaps and nothing more
		// flows: only the changed mapping can tell that the gateway
		// needs an address update.
		for range 5 {
			time.Sleep(time.Second)
			tp.in.Add(1)
			tp.out.Add(1)
		}
		rebound := netip.AddrPortFrom(natOutside4500.Addr(), 45000)
		n.SetNAT(netip.AddrPortFrom(clientAddr, 4500), rebound)
		remapped := time.Now()
		for range 40 {
			time.Sleep(time.Second)
			if len(rec.moved()) > 0 {
				break
			}
		}
		m := rec.moved()
		if len(m) != 1 || m[0] != rebound {
			t.Fatalf("gateway's ESP moved to %v, want %v once", m, rebound)
		}
		if took := time.Since(remapped); took > 30*time.Second+4*time.Second {
			t.Fatalf("the gateway followed the remap after %v", took)
		}
		if mv := next[*ike.Moved](t, p.gw); mv.Remote != rebound {
			t.Fatalf("gateway moved to %v, want %v", mv.Remote, rebound)
		}
	})
}

// Our ESP gets no answer while the gateway's own liveness checks keep IKE
// busy: those do not delay ours, which follows the DPD interval of ESP
// silence, and behind a NAT its answer leads to one address update that
// points the gateway's ESP at the mapping IKE works on, even though the
// gateway's view of it did not change (it may have been learnt after the
// NAT changed it).
func TestUnansweredESPRefreshesMapping(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p, tp, rec, log := silencePair(t, iketestNetworkWithNAT(), 10*time.Second)
		synctest.Wait()
		start := time.Now()
		for range 100 {
			tp.out.Add(1)
			time.Sleep(time.Second)
		}
		// The probe after IKE_AUTH, the check of unanswered ESP, and the
		// address update.
		got := log.since(start.Add(-time.Second))
		if len(got) != 3 || got[1] < 30*time.Second || got[1] > 34*time.Second || got[2]-got[1] > time.Second {
			t.Fatalf("client's INFORMATIONAL requests at %v, want the probe, a check 30 to 34 s later and an update", got)
		}
		if m := rec.moved(); len(m) != 1 || m[0] != natOutside4500 {
			t.Fatalf("gateway's ESP moved to %v, want %v once", m, natOutside4500)
		}
		noDown(t, p.cli, "after the update")
	})
}

// A rekeyed IKE SA's NAT detection hashes cover its new SPIs (RFC 7296
// §2.23), so the client learns the mapping again right after the rekey:
// a remap that follows is still seen as one.
func TestNATRemapAfterIKERekey(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		n := iketestNetworkWithNAT()
		p, _, rec, _ := silencePair(t, n, -1)
		time.Sleep(5 * time.Second)
		p.cli.d.RekeyIKE()
		next[*ike.IKERekeyed](t, p.cli)
		next[*ike.IKERekeyed](t, p.gw)
		synctest.Wait()
		rebound := netip.AddrPortFrom(natOutside4500.Addr(), 45000)
		n.SetNAT(netip.AddrPortFrom(clientAddr, 4500), rebound)
		time.Sleep(30*time.Second + 4*time.Second)
		synctest.Wait()
		if m := rec.moved(); len(m) != 1 || m[0] != rebound {
			t.Fatalf("gateway's ESP moved to %v, want %v once", m, rebound)
		}
	})
}
