package session

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"sync"
	"time"

	"github.com/espressovpn/espresso/helper/api"
	"github.com/espressovpn/espresso/helper/conn"
	"github.com/espressovpn/espresso/ipsec/datapath"
	"github.com/espressovpn/espresso/ipsec/sad"
	"github.com/espressovpn/espresso/platform"
)

// ikeReadBatch is how many datagrams one read of the IKE socket takes.
const ikeReadBatch = 4

// eventQueue bounds the negotiation events waiting for the session's
// goroutine; a negotiation reports a handful in its life.
const eventQueue = 8

// Session is one profile's connection: sockets, TUN device, ESP engine,
// negotiation and system configuration. It implements conn.Session. Its
// goroutines (the session loop and the IKE socket reader) are owned by it
// and stopped by Close.
type Session struct {
	d  *Dialer
	st *settings

	peer  netip.AddrPort
	hop   platform.NextHop
	local netip.Addr

	ikeT, nattT, rawT platform.Transport
	tunnel            platform.Tunnel
	eng               *datapath.Engine
	inst              *engineInstaller

	events chan genEvent
	up     chan struct{} // closed at the first configured Child SA
	upOnce sync.Once
	done   chan struct{} // closed when the session ends
	quit   chan struct{} // closed by Close: the loop stops
	looped chan struct{} // closed when the loop has returned
	wg     sync.WaitGroup

	// retry, owned by the loop, re-arms an on-demand trap after a failed
	// negotiation.
	retry *time.Timer
	// children counts the current negotiation's Child SAs and orphan runs
	// while there is none; both are owned by the loop.
	children int
	orphan   *time.Timer

	mu      sync.Mutex
	neg     Negotiation // nil while none runs (on demand)
	gen     int         // counts negotiations, to tell their events apart
	info    conn.Info
	err     error
	ended   bool
	closing bool
	started bool // start ran: the loop must be waited for
}

var _ conn.Session = (*Session)(nil)

func newSession(d *Dialer, st *settings) *Session {
	return &Session{
		d:      d,
		st:     st,
		events: make(chan genEvent, eventQueue),
		up:     make(chan struct{}),
		done:   make(chan struct{}),
		quit:   make(chan struct{}),
		looped: make(chan struct{}),
	}
}

func (s *Session) logf(level api.Level, format string, args ...any) {
	s.d.opts.Logger.Logf(level, s.st.name, format, args...)
}

// start launches the session's goroutines; an always-on session starts
// negotiating at once, an on-demand one arms its trap.
func (s *Session) start() {
	s.mu.Lock()
	s.started = true
	s.mu.Unlock()
	s.wg.Add(1)
	go s.readIKE()
	go s.loop()
	if s.st.onDemand {
		s.armTrap()
		return
	}
	if err := s.negotiate(); err != nil {
		s.end(err)
	}
}

// waitUp waits for the first Child SA to be configured, for the session
// to end, or for ctx or the timeout.
func (s *Session) waitUp(ctx context.Context, timeout time.Duration) error {
	t := time.NewTimer(timeout)
	defer t.Stop()
	select {
	case <-s.up:
		return nil
	case <-s.done:
		return s.Err()
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return ErrTimeout
	}
}

// negotiate starts a negotiation.
func (s *Session) negotiate() error {
	p := s.st.params
	p.Remote, p.LocalAddr = s.peer, s.local
	if s.rawT == nil {
		p.RawESP = false
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closing {
		return ErrClosed
	}
	s.gen++
	gen := s.gen
	neg, err := s.d.opts.Negotiator.Start(p, Plumbing{
		IKE:      s.ikeT,
		NATT:     s.nattT,
		DataPath: s.inst,
		OnEvent:  func(ev Event) { s.onEvent(genEvent{gen, ev}) },
		Logf:     s.logf,
	})
	if err != nil {
		return Permanent(fmt.Errorf("IKE: %w", err))
	}
	s.neg = neg
	s.logf(api.LevelInfo, "negotiating with %s", s.peer)
	return nil
}

// genEvent is an event with the number of the negotiation it came from.
type genEvent struct {
	gen int
	ev  Event
}

// onEvent queues a negotiation's event for the loop; during Close nobody
// listens any more and the event is dropped.
func (s *Session) onEvent(ev genEvent) {
	select {
	case s.events <- ev:
	case <-s.quit:
	}
}

// deliver hands an IKE message read from a socket to the negotiation.
func (s *Session) deliver(b []byte, from netip.AddrPort, natt bool) {
	s.mu.Lock()
	neg := s.neg
	s.mu.Unlock()
	if neg != nil {
		neg.Deliver(b, from, natt)
	}
}

// readIKE reads the port-500 socket until it is closed. (The NAT-T socket
// is the engine's: it hands the IKE messages it finds there to deliver.)
func (s *Session) readIKE() {
	defer s.wg.Done()
	// Port 500 sees a few IKE_SA_INIT messages and little else (the
	// exchange moves to port 4500 at once, RFC 7296 §2.23); a few buffers
	// of the largest UDP payload do.
	msgs := make([]platform.Datagram, min(max(s.ikeT.BatchSize(), 1), ikeReadBatch))
	for i := range msgs {
		msgs[i].Buf = make([]byte, 0, 65535)
	}
	for {
		n, err := s.ikeT.ReadBatch(msgs)
		for i := range n {
			s.deliver(msgs[i].Buf, msgs[i].Addr, false)
			msgs[i].Buf = msgs[i].Buf[:0]
		}
		if err != nil {
			select {
			case <-s.quit:
				return
			default:
			}
			if errors.Is(err, platform.ErrClosed) || errors.Is(err, net.ErrClosed) {
				return
			}
			// A transient error (an ICMP error queued on the socket)
			// must not spin.
			time.Sleep(10 * time.Millisecond)
		}
	}
}

// loop is the session's goroutine: it applies what the negotiation and the
// engine report.
func (s *Session) loop() {
	defer close(s.looped)
	defer func() {
		if s.retry != nil {
			s.retry.Stop()
		}
		s.stopOrphan()
	}()
	for {
		var retry, orphan <-chan time.Time
		if s.retry != nil {
			retry = s.retry.C
		}
		if s.orphan != nil {
			orphan = s.orphan.C
		}
		select {
		case <-s.quit:
			return
		case ev := <-s.events:
			s.mu.Lock()
			current := ev.gen == s.gen && s.neg != nil
			s.mu.Unlock()
			if current {
				s.handle(ev.ev)
			}
		case ev := <-s.eng.Events():
			s.engineEvent(ev)
		case <-retry:
			s.retry = nil
			s.armTrap()
		case <-orphan:
			s.orphan = nil
			s.orphaned()
		}
	}
}

func (s *Session) handle(ev Event) {
	switch ev := ev.(type) {
	case *Established:
		s.established(ev)
	case *ChildUp:
		s.children++
		s.stopOrphan()
	case *ChildDown:
		s.childDown(ev)
	case *ChildRekeyed:
		s.mu.Lock()
		s.info.ESPProposal = ev.ESPProposal
		s.mu.Unlock()
		s.logf(api.LevelInfo, "Child SA rekeyed (%s)", ev.ESPProposal)
	case *Down:
		s.stopOrphan()
		if s.st.onDemand {
			s.rearm(ev.Err)
			return
		}
		err := ev.Err
		if err == nil {
			err = errors.New("the IKE SA ended")
		}
		s.end(err)
	}
}

// childDown counts a Child SA gone; when it was the last, the IKE SA gets
// ChildGrace for a new one before the session gives it up.
func (s *Session) childDown(ev *ChildDown) {
	s.children = max(s.children-1, 0)
	by := "we"
	if ev.ByPeer {
		by = "the gateway"
	}
	s.logf(api.LevelWarn, "Child SA deleted by %s; %d left", by, s.children)
	if s.children == 0 && s.orphan == nil {
		s.orphan = time.NewTimer(s.d.opts.ChildGrace)
	}
}

func (s *Session) stopOrphan() {
	if s.orphan != nil {
		s.orphan.Stop()
		s.orphan = nil
	}
}

// orphaned ends an IKE SA that has carried no Child SA for ChildGrace: an
// always-on session ends (and conn.Manager connects again), an on-demand
// one returns to its trap.
func (s *Session) orphaned() {
	if s.children > 0 {
		return
	}
	err := conn.WithCode(api.FailureGatewayClosed,
		fmt.Errorf("no Child SA for %s: the gateway deleted the tunnel and made no new one", s.d.opts.ChildGrace))
	s.logf(api.LevelWarn, "%v", err)
	if s.st.onDemand {
		s.rearm(err)
		return
	}
	s.end(err)
}

// established configures the system for a new IKE SA and its Child SA.
func (s *Session) established(ev *Established) {
	s.children = 1
	s.stopOrphan()
	cfg := s.st.platformConfig(s.peer.Addr(), s.hop, ev)
	if err := s.tunnel.Set(cfg); err != nil {
		err = configError(err)
		s.logf(api.LevelError, "%v", err)
		if s.st.onDemand {
			s.rearm(err)
			return
		}
		s.end(err)
		return
	}
	encap := api.EncapsulationRaw
	if ev.Encap {
		encap = api.EncapsulationUDP
	}
	s.mu.Lock()
	s.info = conn.Info{
		Peer:          s.peer,
		VirtualIPs:    ev.VirtualIPs,
		DNS:           cfg.DNS.Servers,
		LocalTS:       ev.LocalTS,
		RemoteTS:      cfg.RemoteSelectors,
		IKEProposal:   ev.IKEProposal,
		ESPProposal:   ev.ESPProposal,
		NATDetected:   ev.NAT,
		Encapsulation: encap,
		EstablishedAt: time.Now(),
	}
	s.mu.Unlock()
	s.logf(api.LevelInfo, "established: virtual IPs %v, %s, ESP %s over %s", ev.VirtualIPs, ev.IKEProposal, ev.ESPProposal, encap)
	s.upOnce.Do(func() { close(s.up) })
}

// engineEvent reacts to the engine: an acquire starts an on-demand
// negotiation; a Child SA running out of sequence numbers is rekeyed
// (RFC 4303 §3.3.3 forbids their reuse).
func (s *Session) engineEvent(ev datapath.Event) {
	switch ev.Kind {
	case datapath.EventAcquire:
		s.acquire(ev)
	case datapath.EventSoftExpire:
		if ev.Cause == sad.CauseSequence {
			s.mu.Lock()
			neg := s.neg
			s.mu.Unlock()
			if neg != nil {
				neg.RekeyChild()
			}
		}
	}
}

// end records why the session ended and tells conn.Manager, which closes
// it. The first reason wins.
func (s *Session) end(err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.ended {
		return
	}
	s.ended, s.err = true, err
	close(s.done)
}

// stopNegotiation closes the running negotiation, if any.
func (s *Session) stopNegotiation() {
	s.mu.Lock()
	neg := s.neg
	s.neg = nil
	s.mu.Unlock()
	if neg != nil {
		neg.Close()
	}
}

// Info implements conn.Session.
func (s *Session) Info() conn.Info {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.info
}

// Counters implements conn.Session: the payload bytes and packets of the
// session's Child SAs.
func (s *Session) Counters() conn.Counters {
	if s.inst == nil {
		return conn.Counters{}
	}
	return s.inst.Counters()
}

// Done implements conn.Session.
func (s *Session) Done() <-chan struct{} { return s.done }

// Err implements conn.Session.
func (s *Session) Err() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.err
}

// Close implements conn.Session: it deletes the IKE SA, then undoes the
// rest in the reverse order of Dial. Only the first call does anything.
func (s *Session) Close() error {
	s.mu.Lock()
	if s.closing {
		s.mu.Unlock()
		<-s.done
		return nil
	}
	s.closing = true
	s.mu.Unlock()

	close(s.quit)
	if s.started {
		<-s.looped
	}
	s.stopNegotiation()
	var errs []error
	for _, t := range []platform.Transport{s.ikeT, s.nattT, s.rawT} {
		if t != nil {
			t.Close()
		}
	}
	if s.tunnel != nil {
		if err := s.tunnel.Close(); err != nil {
			errs = append(errs, fmt.Errorf("restoring the system: %w", err))
		}
	}
	if s.eng != nil {
		s.eng.Close()
	}
	s.wg.Wait()
	s.end(ErrClosed)
	return errors.Join(errs...)
}
