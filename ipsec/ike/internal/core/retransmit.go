package core

import (
	"errors"
	"net/netip"
	"time"

	"github.com/espressovpn/espresso/ipsec/esp"
	"github.com/espressovpn/espresso/ipsec/ike/wire"
	"github.com/espressovpn/espresso/ipsec/socket"
)

// exchanges carries the connection's exchanges on its IKE SAs: message
// IDs and the window of one (RFC 7296 §2.3), retransmission (§2.1), SK
// protection and fragments (RFC 7383), and where responses go (§2.11).
// The message-ID state itself is per IKE SA (ikeSA).
type exchanges struct {
	*Machine
	// requester is the datagram of the peer's last request, whose source
	// gets our response.
	requester *Datagram
	// lastSent is when we last sent anything to the peer, for NAT
	// keepalives.
	lastSent time.Time
}

// request is our outstanding request on an IKE SA, retransmitted until
// answered (RFC 7296 §2.1): the same datagrams each time, so a peer that
// got it can tell a retransmission and answer from its cache.
type request struct {
	exchange wire.ExchangeType
	id       uint32
	pkts     [][]byte
	sent     int
	timer    Timer
	// due is when timer fires; deadline, when set, is when the request is
	// given up even with retransmissions left (a liveness check's limit,
	// liveness.go).
	due, deadline time.Time
	// handle gets the response's header, payloads (decrypted) and raw
	// bytes (for IKE_SA_INIT).
	handle func(h wire.Header, ps wire.Payloads, raw []byte)
	// failed, when set, replaces the default of giving up the connection
	// after the last retransmission.
	failed func(err error)
	// unreachable counts the transmissions an ICMP unreachable came back
	// for, and unreachableTry is the last of them (unreachable.go).
	unreachable, unreachableTry int
	// to is where the last transmission went: an unauthenticated answer
	// must come from there (fromPeer).
	to netip.AddrPort
	// noted is the reason an unauthenticated answer gave for refusing the
	// request while it kept waiting for a valid one (RFC 7296 §2.21.1):
	// the reason it fails with once its retransmissions run out.
	noted error
	// header and payloads describe the request for the debug log
	// (msglog.go); payloads is empty unless the log keeps debug records.
	header   wire.Header
	payloads string
}

// whenIdle runs f now if the SA has no request in flight, else once the
// window opens (window size one, §2.3).
func (x *exchanges) whenIdle(sa *IKESA, f func()) {
	if sa.pending == nil && len(sa.queue) == 0 {
		f()
		return
	}
	sa.queue = append(sa.queue, f)
}

// next starts the next queued request.
func (x *exchanges) next(sa *IKESA) {
	for sa.pending == nil && len(sa.queue) > 0 && !x.ended {
		f := sa.queue[0]
		sa.queue = sa.queue[1:]
		f()
	}
}

// request encrypts and sends a request on sa, which must be idle.
func (x *exchanges) request(sa *IKESA, ex wire.ExchangeType, ps wire.Payloads, handle func(wire.Header, wire.Payloads, []byte)) *request {
	r := x.prepare(sa, ex, ps, handle)
	if r == nil {
		return nil
	}
	return x.start(sa, r)
}

// prepare encrypts a request on sa without sending it; nil means the
// connection went down.
func (x *exchanges) prepare(sa *IKESA, ex wire.ExchangeType, ps wire.Payloads, handle func(wire.Header, wire.Payloads, []byte)) *request {
	h := sa.Header(ex, sa.sendID, false)
	pkts, err := sa.keys.seal(h, ps, x.fragSize(sa))
	if err != nil {
		x.Fail(sa, err)
		return nil
	}
	r := &request{exchange: ex, id: sa.sendID, pkts: pkts, handle: handle, header: h}
	if x.debugOn() {
		r.payloads = summarize(ps)
	}
	return r
}

// start sends a prepared request and arms its retransmission. A request
// that sets up an IKE SA gets the setup limit (Config.SetupTimeout).
func (x *exchanges) start(sa *IKESA, r *request) *request {
	if !sa.Established && (r.exchange == wire.IKESAInit || r.exchange == wire.IKEIntermediate || r.exchange == wire.IKEAuth) &&
		x.Cfg.SetupTimeout > 0 && r.deadline.IsZero() {
		r.deadline = x.Clock.Now().Add(x.Cfg.SetupTimeout)
	}
	sa.pending = r
	sa.sendID = r.id + 1
	x.transmit(sa, r)
	return r
}

// transmit sends r once more, or gives up after the configured tries or
// at its deadline.
func (x *exchanges) transmit(sa *IKESA, r *request) {
	if sa.pending != r || x.ended {
		return
	}
	rt := x.Cfg.Retransmit
	now := x.Clock.Now()
	if r.sent > rt.Tries || (!r.deadline.IsZero() && !now.Before(r.deadline)) {
		x.giveUp(sa, r)
		return
	}
	if r.sent > 0 {
		x.Log.Debug("ike: retransmit", "exchange", r.exchange, "id", r.id, "try", r.sent)
	} else if r.payloads != "" {
		x.logSummary(true, r.header, r.payloads)
	}
	r.to = x.Remote
	x.send(r.pkts)
	wait := rt.Delay(r.sent)
	r.sent++
	x.arm(sa, r, now, wait)
}

// giveUp ends r unanswered: the peer is unreachable, or refused it in an
// unauthenticated answer that nothing valid replaced.
func (x *exchanges) giveUp(sa *IKESA, r *request) {
	if r.timer != nil {
		r.timer.Stop()
	}
	sa.pending = nil
	pu := &PeerUnreachableError{Exchange: r.exchange, Tries: r.sent, Peer: x.Remote, Unreachable: r.unreachable}
	var err error = pu
	if r.noted != nil {
		err = &UnauthenticatedError{Err: r.noted, Unanswered: pu}
	}
	if r.failed != nil {
		r.failed(err)
		x.next(sa)
		return
	}
	x.Fail(sa, err)
}

// answered ends r, the request in flight on sa, as answered.
func (x *exchanges) answered(sa *IKESA, r *request) {
	r.timer.Stop()
	sa.pending = nil
	sa.LastHeard = x.Clock.Now()
}

// fromPeer tells whether dg comes from where r went, or from the NAT-T
// port of that address on the NAT-T socket (RFC 3948 §2.2). Only an
// answer from there is taken for an unauthenticated one, so that a forger
// must at least spoof the peer's address.
func (x *exchanges) fromPeer(r *request, dg Datagram) bool {
	from := netip.AddrPortFrom(dg.From.Addr().Unmap(), dg.From.Port())
	to := netip.AddrPortFrom(r.to.Addr().Unmap(), r.to.Port())
	if from == to {
		return true
	}
	return dg.NATT && from.Addr() == to.Addr() && from.Port() == DefaultNATTPort
}

// note keeps err, the reason an unauthenticated answer gave for refusing
// r, and lets r wait on for a valid answer (RFC 7296 §2.21.1): anyone who
// saw our SPI can forge one, and the peer's real answer may follow.
func (x *exchanges) note(r *request, err error) {
	x.drops.errorNotify.Add(1)
	if r.noted == nil {
		x.Log.Info("ike: unauthenticated refusal noted; waiting for a valid answer", "exchange", r.exchange, "reason", err)
	} else {
		x.Log.Debug("ike: unauthenticated refusal noted; waiting for a valid answer", "exchange", r.exchange, "reason", err)
	}
	r.noted = err
}

// arm schedules r's next transmission wait from now, or at its deadline
// if that comes first. A timer replaced before it fired does nothing,
// even if it had fired already and its call was on its way.
func (x *exchanges) arm(sa *IKESA, r *request, now time.Time, wait time.Duration) {
	if !r.deadline.IsZero() {
		wait = min(wait, r.deadline.Sub(now))
	}
	if r.timer != nil {
		r.timer.Stop()
	}
	var t Timer
	t = x.After(wait, func() {
		if r.timer == t {
			x.transmit(sa, r)
		}
	})
	r.timer, r.due = t, now.Add(wait)
}

// Respond encrypts and sends the response to request h, to where the
// peer's last request came from (RFC 7296 §2.11), and keeps it for
// retransmissions of the request.
func (x *exchanges) Respond(sa *IKESA, h wire.Header, ps wire.Payloads) {
	rh := sa.Header(h.ExchangeType, h.MessageID, true)
	pkts, err := sa.keys.seal(rh, ps, x.fragSize(sa))
	if err != nil {
		x.Log.Warn("ike: cannot encode response", "err", err)
		return
	}
	sa.LastResp = &Response{ID: h.MessageID, Pkts: pkts}
	sa.RecvID = h.MessageID + 1
	x.LogMessage(true, rh, ps)
	if dg := x.requester; dg != nil {
		x.Reply(pkts, *dg)
		return
	}
	x.send(pkts)
}

// Reply answers a datagram on the socket and address it came from.
func (x *exchanges) Reply(pkts [][]byte, dg Datagram) {
	x.sendTo(pkts, dg.From, dg.NATT)
	x.lastSent = x.Clock.Now()
}

// send writes the datagrams of one message to the peer.
func (x *exchanges) send(pkts [][]byte) {
	x.sendTo(pkts, x.Remote, x.NATT)
	x.lastSent = x.Clock.Now()
}

// sendTo writes datagrams to an address, on the port-4500 socket with the
// non-ESP marker (RFC 3948 §2.2) when natt is set and there is one.
func (x *exchanges) sendTo(pkts [][]byte, to netip.AddrPort, natt bool) {
	s := x.socks.IKE
	natt = natt && x.socks.NATT != nil
	if natt {
		s = x.socks.NATT
	}
	dgs := make([]socket.Datagram, len(pkts))
	for i, p := range pkts {
		if natt {
			p = append(make([]byte, esp.NonESPMarkerLen, esp.NonESPMarkerLen+len(p)), p...)
		}
		dgs[i] = socket.Datagram{Buf: p, Addr: to}
	}
	if _, err := s.WriteBatch(dgs); err != nil {
		x.Log.Debug("ike: send", "err", err)
	}
}

// fragSize is the largest datagram we send on the SA without fragmenting
// it, 0 when fragmentation is off (RFC 7383 §2.5).
func (x *exchanges) fragSize(sa *IKESA) int {
	if !sa.FragOK || x.Cfg.FragmentSize < 0 {
		return 0
	}
	if x.NATT {
		return x.Cfg.FragmentSize - 4 // room for the non-ESP marker
	}
	return x.Cfg.FragmentSize
}

// handleResponse matches a response to our outstanding request (§2.3).
func (x *exchanges) handleResponse(sa *IKESA, dg Datagram, m *wire.Message) {
	r, h := sa.pending, m.Header
	if r == nil || h.MessageID != r.id || h.ExchangeType != r.exchange {
		x.Log.Debug("ike: response to no request in flight dropped", "exchange", h.ExchangeType, "id", h.MessageID)
		x.drops.unexpected.Add(1)
		return
	}
	ps, ok := x.openMessage(sa, dg, m, &sa.rspFrags)
	if !ok {
		return
	}
	x.answered(sa, r)
	r.handle(h, ps, dg.B)
	if !x.ended {
		x.next(sa)
	}
}

// openMessage checks and decrypts a protected message, reassembling
// fragments, and parses its inner payloads. A message that fails its
// integrity check is dropped silently (§2.21.1).
func (x *exchanges) openMessage(sa *IKESA, dg Datagram, m *wire.Message, frags *reassembly) (wire.Payloads, bool) {
	o, err := sa.keys.open(dg.B, m)
	if err != nil {
		x.Log.Debug("ike: protected message dropped", "exchange", m.Header.ExchangeType, "err", err)
		x.drops.unauthenticated.Add(1)
		return nil, false
	}
	first, plain := o.first, o.plain
	if o.total != 0 {
		var done bool
		if first, plain, done = frags.add(m.Header.MessageID, o); !done {
			return nil, false
		}
	}
	sa.keepIntermediatePlain(m.Header, first, plain)
	ps, err := wire.ParsePayloads(first, plain)
	if err == nil {
		x.LogMessage(false, m.Header, ps)
	}
	if err != nil {
		x.Log.Debug("ike: bad inner payloads", "exchange", m.Header.ExchangeType, "err", err)
		if !m.Header.IsResponse() {
			n := wire.NewNotify(wire.InvalidSyntax, nil)
			var uc *wire.UnsupportedCriticalPayloadError
			if errors.As(err, &uc) {
				n = wire.NewNotify(wire.UnsupportedCriticalPayload, []byte{byte(uc.Type)})
			}
			x.Respond(sa, m.Header, wire.Payloads{n})
		}
		return nil, false
	}
	return ps, true
}
