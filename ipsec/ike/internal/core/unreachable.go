package core

import (
	"net/netip"
	"time"

	"github.com/espressovpn/espresso/ipsec/ike/wire"
)

// An ICMP destination unreachable (port or host) for the gateway's
// address says that nothing listens there, seconds before the
// retransmissions would. But an ICMP message is authenticated by nothing,
// and RFC 7296 §2.4 forbids concluding that a peer has failed from routing
// information such as ICMP; only repeated unanswered attempts may decide.
// So an unreachable is used only while an IKE SA is being set up, when no
// SA can be lost, and only as a hint: it brings the next retransmission
// forward, so the next attempt comes soon, and the peer is given up only
// once unreachableConfirm separate transmissions of the request each got
// an unreachable and no answer. A forger must then answer every one of
// them, and all it gains is the end of one attempt that an IKE answer
// would have saved at any point before.

const (
	// unreachableConfirm is how many transmissions of one request must
	// each bounce before the peer is given up.
	unreachableConfirm = 3
	// unreachableRetry is how soon a transmission that bounced is
	// repeated.
	unreachableRetry = time.Second
)

// Unreachable tells the Conn that an ICMP destination unreachable came
// back for a datagram it sent to dest, as the socket's owner learnt it
// (socket.UnreachableError). It may be called from any goroutine and
// returns once the Conn has taken it into account.
func (d *Machine) Unreachable(dest netip.AddrPort) {
	done := make(chan struct{})
	if d.post(func() { d.unreachable(dest); close(done) }) {
		<-done
	}
}

// unreachable takes an ICMP unreachable for dest as a hint about the setup
// request in flight to it, if any.
func (d *Machine) unreachable(dest netip.AddrPort) {
	dest = netip.AddrPortFrom(dest.Addr().Unmap(), dest.Port())
	if dest != d.Remote {
		return
	}
	// A reauthentication's IKE_SA_INIT is left alone: an IKE SA stands
	// beside it, and its liveness checks speak for the peer.
	sa := d.SA
	if sa == nil || sa.Established || sa.pending == nil {
		return
	}
	r := sa.pending
	if r.exchange != wire.IKESAInit || r.sent == 0 || r.unreachableTry == r.sent {
		// One bounce counts per transmission: a burst of forged ICMP
		// messages is worth one.
		return
	}
	r.unreachable++
	r.unreachableTry = r.sent
	d.Log.Info("ike: ICMP unreachable from the peer's address", "peer", dest, "transmission", r.sent)
	if r.unreachable >= unreachableConfirm {
		d.Xchg.giveUp(sa, r)
		return
	}
	now := d.Clock.Now()
	if r.timer != nil && r.due.After(now.Add(unreachableRetry)) {
		d.Xchg.arm(sa, r, now, unreachableRetry)
	}
}
