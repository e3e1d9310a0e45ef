package session

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"time"

	"github.com/espressovpn/espresso/helper/api"
	"github.com/espressovpn/espresso/ipsec/ike"
	"github.com/espressovpn/espresso/ipsec/socket"
)

// ikeReadBatch is how many datagrams one read of the IKE socket takes.
const ikeReadBatch = 4

// negotiate starts a negotiation.
func (s *Session) negotiate() error {
	cfg := s.st.ikeConfig(s.peer)
	cfg.SetupTimeout = s.d.opts.Timeout / 2
	if s.rawT == nil {
		cfg.RawESP = false
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closing {
		return ErrClosed
	}
	s.gen++
	gen := s.gen
	neg, err := s.d.opts.Negotiator.Start(cfg, ike.Sockets{IKE: s.ikeT, NATT: s.nattT, External: true}, ike.Options{
		DataPath:  s.dp,
		OnEvent:   func(ev ike.Event) { s.onEvent(genEvent{gen, ev}) },
		Logger:    s.ikeLogger(),
		LocalAddr: s.local,
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
	ev  ike.Event
}

// onEvent queues a negotiation's event for the loop; during Close nobody
// listens any more and the event is dropped.
func (s *Session) onEvent(ev genEvent) {
	select {
	case s.events <- ev:
	case <-s.quit:
	}
}

// deliverNATT hands an IKE message the engine found on the NAT-T socket,
// with its non-ESP marker (RFC 3948 §2.2), to the negotiation, whose
// Deliver takes the one copy of it.
func (s *Session) deliverNATT(msg []byte, from netip.AddrPort) {
	s.deliver(msg, from, true)
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

// unreachable hands an ICMP error for the IKE socket to the negotiation.
func (s *Session) unreachable(dest netip.AddrPort) {
	s.mu.Lock()
	neg := s.neg
	s.mu.Unlock()
	if neg != nil {
		neg.Unreachable(dest)
	}
}

// readIKE reads the port-500 socket until it is closed. (The NAT-T socket
// is the engine's: it hands the IKE messages it finds there to deliver.)
func (s *Session) readIKE() {
	defer s.wg.Done()
	// Port 500 sees a few IKE_SA_INIT messages and little else (the
	// exchange moves to port 4500 at once, RFC 7296 §2.23); a few buffers
	// of the largest UDP payload do.
	msgs := make([]socket.Datagram, min(max(s.ikeT.BatchSize(), 1), ikeReadBatch))
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
			if errors.Is(err, socket.ErrClosed) || errors.Is(err, net.ErrClosed) {
				return
			}
			var ue *socket.UnreachableError
			if errors.As(err, &ue) {
				s.unreachable(ue.Dest)
				continue
			}
			// A transient error (an ICMP error queued on the socket)
			// must not spin.
			time.Sleep(10 * time.Millisecond)
		}
	}
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
