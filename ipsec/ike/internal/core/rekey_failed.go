package core

import (
	"errors"
	"fmt"
	"time"

	"github.com/espressovpn/espresso/ipsec/ike/wire"
)

// ErrRekeyFailed: a rekey of a Child SA did not complete, ours refused or
// answered unusably by the peer, or the peer's refused by us. The old
// Child SA stays in use until it expires. See *RekeyError.
var ErrRekeyFailed = errors.New("ike: Child SA rekey failed")

// RekeyError reports a failed rekey of a Child SA (RFC 7296 §1.3.3).
type RekeyError struct {
	// SPI is our inbound SPI of the Child SA being rekeyed.
	SPI uint32
	// ByPeer is true when the peer started the rekey and we refused it
	// with Notify; false when the peer answered our rekey with Notify.
	ByPeer bool
	// Notify is the error notify sent or received; 0 when the peer's
	// answer was unusable (Reason says why).
	Notify wire.NotifyType
	Reason string
}

func (e *RekeyError) Error() string {
	what := e.Reason
	if e.Notify != 0 {
		what = e.Notify.String()
	}
	if e.ByPeer {
		return fmt.Sprintf("ike: we refused the gateway's rekey of Child SA %08x with %s", e.SPI, what)
	}
	if e.Notify != 0 {
		return fmt.Sprintf("ike: the gateway refused our rekey of Child SA %08x with %s", e.SPI, what)
	}
	return fmt.Sprintf("ike: the gateway's answer to our rekey of Child SA %08x was unusable: %s", e.SPI, what)
}

// Is makes errors.Is(err, ErrRekeyFailed) true. It deliberately does not
// match ErrNoProposalChosen: the tunnel is up, only its rekey failed.
func (e *RekeyError) Is(target error) bool { return target == ErrRekeyFailed }

// maxRekeyRetry caps the wait between attempts to rekey a Child SA.
const maxRekeyRetry = 5 * time.Minute

// rekeyRetryDelay is the wait after the nth failed attempt (from 1): the
// retransmission timeout, doubled with each failure up to maxRekeyRetry,
// so that a gateway that keeps refusing is not flooded while the old SA
// still has time left.
func (k *rekeying) rekeyRetryDelay(n int) time.Duration {
	wait := k.Cfg.Retransmit.Timeout
	for i := 1; i < n && wait < maxRekeyRetry; i++ {
		wait *= 2
	}
	return min(wait, maxRekeyRetry)
}

// rekeyChildFailed keeps old, whose rekey failed, in use and tries again
// after a back-off: the SA carries traffic until its hard lifetime, and
// a later attempt may succeed (§2.25, a gateway busy or reconfigured).
func (k *rekeying) rekeyChildFailed(old *Child, err *RekeyError) {
	if old.peerNew != nil {
		// The peer's own rekey of it went through meanwhile (§2.8.1):
		// that SA replaces it, nothing failed.
		old.state = childRekeyed
		old.replacement = old.peerNew
		return
	}
	old.state = childInstalled
	old.rekeyFailures++
	old.rekeyErr = err
	wait := k.rekeyRetryDelay(old.rekeyFailures)
	k.Log.Warn("ike: Child SA rekey failed, keeping the old SA", "spi", old.InSPI, "err", err, "retry", wait)
	if old.rekeyTimer != nil {
		old.rekeyTimer.Stop()
	}
	old.rekeyTimer = k.After(wait, func() {
		if old.state == childInstalled {
			k.rekeyChild(old)
		}
	})
	k.emit(&ChildRekeyFailed{Child: old.info(), Err: err, Retry: wait})
}
