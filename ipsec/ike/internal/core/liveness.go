package core

import (
	"net/netip"

	"github.com/espressovpn/espresso/ipsec/ike/wire"
)

// Liveness checks (RFC 7296 §1.4, §2.4) find out whether the peer still
// holds the IKE SA: an empty INFORMATIONAL request it must answer. They
// run when the peer has been silent for Config.DPDDelay, when the network
// under us changed without a new address, and when an unauthenticated
// INVALID_IKE_SPI suggests the peer lost its state (§2.21.4). A check is
// given up after Config.DPDTimeout, well before the full retransmission
// series, so that a restarted gateway is noticed in a time a user accepts.

// liveness keeps the connection's peer in view and answers it: liveness
// checks and the traffic counters that time them (silence.go), NAT
// keepalives, INFORMATIONAL requests and deletes (informational.go).
type liveness struct {
	*Machine
	// esp is what the liveness timer learnt of the Child SAs' traffic.
	esp espActivity
	// dpdTimer runs the next liveness tick, keepaliveTimer the next NAT
	// keepalive.
	dpdTimer, keepaliveTimer Timer
}

// stop stops the liveness and keepalive timers.
func (v *liveness) stop() {
	for _, t := range []Timer{v.dpdTimer, v.keepaliveTimer} {
		if t != nil {
			t.Stop()
		}
	}
}

// checkLiveness starts a liveness check on sa, or, when a request is in
// flight, lets that request serve as one: its answer proves the peer as
// well, and only one request may be outstanding (§2.3). Either way the
// request is given up once the liveness limit has passed.
func (v *liveness) checkLiveness(sa *IKESA) {
	if r := sa.pending; r != nil {
		v.limit(sa, r)
		return
	}
	r := v.Xchg.prepare(sa, wire.Informational, v.Mobike.livenessNATD(sa), func(_ wire.Header, ps wire.Payloads, _ []byte) {
		v.Mobike.livenessAnswered(sa, ps)
	})
	if r == nil {
		return
	}
	if v.Cfg.DPDTimeout > 0 {
		r.deadline = v.Clock.Now().Add(v.Cfg.DPDTimeout)
	}
	v.Xchg.start(sa, r)
}

// limit gives r the liveness limit from now, unless it has an earlier
// one, and brings its next transmission forward to the limit if that
// comes first.
func (v *liveness) limit(sa *IKESA, r *request) {
	if v.Cfg.DPDTimeout <= 0 {
		return
	}
	now := v.Clock.Now()
	deadline := now.Add(v.Cfg.DPDTimeout)
	if !r.deadline.IsZero() && !r.deadline.After(deadline) {
		return
	}
	r.deadline = deadline
	if r.timer != nil && r.due.After(deadline) {
		v.Xchg.arm(sa, r, now, r.due.Sub(now))
	}
}

// invalidSPI takes an unprotected INVALID_IKE_SPI answering one of our
// requests on sa (RFC 7296 §1.5, §2.21.4) as a hint that the peer may have
// lost the IKE SA, a restart for instance. Anyone can forge such a
// message, so it changes no state (§1.5: the recipient MUST NOT change the
// state of any SA): it only starts a liveness check at once, whose
// authenticated answer, or its absence, decides.
func (v *liveness) invalidSPI(sa *IKESA, from netip.AddrPort, h wire.Header) {
	// Message IDs we have used on sa are below sendID (§2.3).
	if sa != v.SA || !sa.Established || sa.Deleting || from.Addr() != v.Remote.Addr() || h.MessageID >= sa.sendID {
		v.drops.unauthenticated.Add(1)
		return
	}
	v.Log.Info("ike: the peer answered INVALID_IKE_SPI; checking whether it still holds the IKE SA")
	v.checkLiveness(sa)
}

// unprotectedInvalidSPI reports whether m is an unprotected response
// carrying INVALID_IKE_SPI (§1.5): a notify outside of any SA's
// protection rather than a message of the SA.
func unprotectedInvalidSPI(m *wire.Message) bool {
	if !m.Header.IsResponse() {
		return false
	}
	for _, p := range m.Payloads {
		switch p.(type) {
		case *wire.Encrypted, *wire.EncryptedFragment:
			return false
		}
	}
	return m.Payloads.Notify(wire.InvalidIKESPI) != nil
}
