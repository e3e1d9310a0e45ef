package session

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"sync"
	"time"

	"github.com/espressovpn/espresso/helper/api"
	"github.com/espressovpn/espresso/ipsec/datapath"
	"github.com/espressovpn/espresso/ipsec/ike"
	"github.com/espressovpn/espresso/ipsec/socket"
	"github.com/espressovpn/espresso/platform"
)

// eventQueue bounds the negotiation events waiting for the session's
// goroutine; a negotiation reports a handful in its life.
const eventQueue = 8

// Session is one profile's connection: sockets, TUN device, ESP engine,
// negotiation and system configuration. It implements Conn. Its
// goroutines (the session loop and the IKE socket reader) are owned by it
// and stopped by Close.
type Session struct {
	d  *Connector
	st *settings

	peer  netip.AddrPort
	hop   platform.NextHop
	local netip.Addr

	ikeT, nattT, rawT socket.Transport
	tunnel            platform.Tunnel
	mux               *datapath.Mux // the tunnel's devices, for the engine
	eng               *datapath.Engine
	dp                *ike.EngineDataPath
	queueDrops        *queueDrops // the kernel's drops before the engine reads

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
	// est is the current negotiation's Established, owned by the loop: the
	// configuration is computed from it again when the path changes.
	est *ike.Established
	// pw is an on-demand session's password business, owned by the loop
	// once Dial returns.
	pw passwordState

	mu      sync.Mutex
	neg     Negotiation // nil while none runs (on demand)
	gen     int         // counts negotiations, to tell their events apart
	info    Info
	err     error
	ended   bool
	closing bool
	started bool // start ran: the loop must be waited for
}

var _ Conn = (*Session)(nil)

func newSession(d *Connector, st *settings) *Session {
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

// end records why the session ended and tells the manager (helper/conn),
// which closes it. The first reason wins.
func (s *Session) end(err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.ended {
		return
	}
	s.ended, s.err = true, err
	close(s.done)
}

// Info implements Conn.
func (s *Session) Info() Info {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.info
}

// Counters implements Conn: the payload bytes and packets of the
// session's Child SAs.
func (s *Session) Counters() Counters {
	if s.dp == nil {
		return Counters{}
	}
	c := s.dp.Counters()
	return Counters{
		BytesIn: c.In.Bytes, PacketsIn: c.In.Packets,
		BytesOut: c.Out.Bytes, PacketsOut: c.Out.Packets,
		Drops: s.drops().named(),
	}
}

// Done implements Conn.
func (s *Session) Done() <-chan struct{} { return s.done }

// Err implements Conn.
func (s *Session) Err() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.err
}

// Close implements Conn: it deletes the IKE SA, then undoes the
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
	// The kernel's counts go with the sockets and the device: the last
	// reading stays for the status.
	s.queueDrops.read()
	var errs []error
	for _, t := range []socket.Transport{s.ikeT, s.nattT, s.rawT} {
		if t != nil {
			t.Close()
		}
	}
	if s.tunnel != nil {
		if err := s.tunnel.Close(); err != nil {
			errs = append(errs, fmt.Errorf("restoring the system: %w", err))
		}
	}
	s.d.opts.Claims.Release(s)
	// The tunnel closed its devices, which ends the engine's reads of a
	// shared device, or the Mux's reads; the closed Mux ends the engine's.
	if s.mux != nil {
		s.mux.Close()
	}
	if s.eng != nil {
		s.eng.Close()
	}
	s.wg.Wait()
	// No negotiation runs any more, nor may start: the PSK and the
	// password can go.
	s.st.wipe()
	s.end(ErrClosed)
	return errors.Join(errs...)
}
