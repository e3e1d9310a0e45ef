package ike

import (
	"time"

	"github.com/espressovpn/espresso/ipsec/ike/wire"
)

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
}

// whenIdle runs f now if the SA has no request in flight, else once the
// window opens (window size one, §2.3).
func (d *Daemon) whenIdle(sa *ikeSA, f func()) {
	if sa.pending == nil && len(sa.queue) == 0 {
		f()
		return
	}
	sa.queue = append(sa.queue, f)
}

// next starts the next queued request.
func (d *Daemon) next(sa *ikeSA) {
	for sa.pending == nil && len(sa.queue) > 0 && !d.ended {
		f := sa.queue[0]
		sa.queue = sa.queue[1:]
		f()
	}
}

// request encrypts and sends a request on sa, which must be idle.
func (d *Daemon) request(sa *ikeSA, ex wire.ExchangeType, ps wire.Payloads, handle func(wire.Header, wire.Payloads, []byte)) *request {
	r := d.prepare(sa, ex, ps, handle)
	if r == nil {
		return nil
	}
	return d.start(sa, r)
}

// prepare encrypts a request on sa without sending it; nil means the
// connection went down.
func (d *Daemon) prepare(sa *ikeSA, ex wire.ExchangeType, ps wire.Payloads, handle func(wire.Header, wire.Payloads, []byte)) *request {
	h := sa.header(ex, sa.sendID, false)
	pkts, err := sa.keys.seal(h, ps, d.fragSize(sa))
	if err != nil {
		d.fail(sa, err)
		return nil
	}
	return &request{exchange: ex, id: sa.sendID, pkts: pkts, handle: handle}
}

// start sends a prepared request and arms its retransmission. A request
// that sets up an IKE SA gets the setup limit (Config.SetupTimeout).
func (d *Daemon) start(sa *ikeSA, r *request) *request {
	if !sa.established && (r.exchange == wire.IKESAInit || r.exchange == wire.IKEAuth) &&
		d.cfg.SetupTimeout > 0 && r.deadline.IsZero() {
		r.deadline = d.clock.Now().Add(d.cfg.SetupTimeout)
	}
	sa.pending = r
	sa.sendID = r.id + 1
	d.transmit(sa, r)
	return r
}

// transmit sends r once more, or gives up after the configured tries or
// at its deadline.
func (d *Daemon) transmit(sa *ikeSA, r *request) {
	if sa.pending != r || d.ended {
		return
	}
	rt := d.cfg.Retransmit
	now := d.clock.Now()
	if r.sent > rt.Tries || (!r.deadline.IsZero() && !now.Before(r.deadline)) {
		d.giveUp(sa, r)
		return
	}
	if r.sent > 0 {
		d.log.Debug("ike: retransmit", "exchange", r.exchange, "id", r.id, "try", r.sent)
	}
	d.send(r.pkts)
	wait := rt.delay(r.sent)
	r.sent++
	d.arm(sa, r, now, wait)
}

// giveUp ends r unanswered: the peer is unreachable.
func (d *Daemon) giveUp(sa *ikeSA, r *request) {
	if r.timer != nil {
		r.timer.Stop()
	}
	sa.pending = nil
	err := &PeerUnreachableError{Exchange: r.exchange, Tries: r.sent, Peer: d.remote, Unreachable: r.unreachable}
	if r.failed != nil {
		r.failed(err)
		d.next(sa)
		return
	}
	d.fail(sa, err)
}

// arm schedules r's next transmission wait from now, or at its deadline
// if that comes first. A timer replaced before it fired does nothing,
// even if it had fired already and its call was on its way.
func (d *Daemon) arm(sa *ikeSA, r *request, now time.Time, wait time.Duration) {
	if !r.deadline.IsZero() {
		wait = min(wait, r.deadline.Sub(now))
	}
	if r.timer != nil {
		r.timer.Stop()
	}
	var t Timer
	t = d.after(wait, func() {
		if r.timer == t {
			d.transmit(sa, r)
		}
	})
	r.timer, r.due = t, now.Add(wait)
}

// respond encrypts and sends the response to request h, to where the
// peer's last request came from (RFC 7296 §2.11), and keeps it for
// retransmissions of the request.
func (d *Daemon) respond(sa *ikeSA, h wire.Header, ps wire.Payloads) {
	rh := sa.header(h.ExchangeType, h.MessageID, true)
	pkts, err := sa.keys.seal(rh, ps, d.fragSize(sa))
	if err != nil {
		d.log.Warn("ike: cannot encode response", "err", err)
		return
	}
	sa.lastResp = &response{id: h.MessageID, pkts: pkts}
	sa.recvID = h.MessageID + 1
	if dg := d.requester; dg != nil {
		d.reply(pkts, *dg)
		return
	}
	d.send(pkts)
}
