package session

import (
	"errors"
	"net/netip"

	"github.com/espressovpn/espresso/ipsec/ike"
)

// Negotiator starts the IKEv2 initiator of one connection. It is the seam
// between the session and ipsec/ike, and it speaks ike's own types: the
// session builds the ike.Config, lends its sockets (ike.Sockets, External:
// the session reads them) and passes ike.Options with the data path and the
// event callback; the ike.Conn reports ike's events and installs ike.ChildSA
// values. IKE is the helper's Negotiator, a fake the tests'.
type Negotiator interface {
	// Start begins negotiating and returns at once; the outcome arrives
	// through opts.OnEvent.
	Start(cfg ike.Config, socks ike.Sockets, opts ike.Options) (Negotiation, error)
}

// Negotiation is what the session uses of a running *ike.Conn: one IKE
// SA with its Child SAs.
type Negotiation interface {
	// Deliver hands over an IKE message the session read from one of the
	// sockets: natt is true for the NAT-T socket, and b then starts with
	// the non-ESP marker (RFC 3948 §2.2). b is only valid during the call.
	Deliver(b []byte, from netip.AddrPort, natt bool)
	// Unreachable hands over an ICMP destination unreachable that came
	// back for a datagram sent to dest on the IKE socket
	// (socket.UnreachableError): unauthenticated, a hint at most.
	Unreachable(dest netip.AddrPort)
	// RekeyChild rekeys the Child SAs now, as when an SA's sequence
	// numbers are nearly used up (RFC 4303 §3.3.3).
	RekeyChild()
	// Close deletes the IKE SA (RFC 7296 §1.4.1), removes its Child SAs
	// from the data path and stops; Down is the last event, if it was not
	// reported before. It does not close the sockets.
	Close() error
}

// IKE is the helper's Negotiator: an ike.Conn that sends its
// IKE_SA_INIT at once.
type IKE struct{}

var (
	_ Negotiator   = IKE{}
	_ Negotiation  = (*ike.Conn)(nil)
	_ PathFollower = (*ike.Conn)(nil)
)

// Start implements Negotiator with ike.New.
func (IKE) Start(cfg ike.Config, socks ike.Sockets, opts ike.Options) (Negotiation, error) {
	d, err := ike.New(cfg, socks, opts)
	if err != nil {
		return nil, err
	}
	return d, nil
}

// permanentErrs are the failures that dialling again cannot fix.
var permanentErrs = []error{
	ike.ErrAuthFailed, ike.ErrNoProposalChosen, ike.ErrTSUnacceptable,
	ike.ErrCertNotTrusted, ike.ErrIdentityMismatch, ike.ErrConfigRefused,
}

// classify marks the failures conn.Manager must not retry. A failure
// whose reason came in a message nobody authenticated is never one: a
// forger who saw our SPI could have sent it (RFC 7296 §2.21.1), and
// taking it for final would let one forged datagram end reconnection.
func classify(err error) error {
	if unauthenticated(err) {
		return err
	}
	for _, p := range permanentErrs {
		if errors.Is(err, p) {
			return Permanent(err)
		}
	}
	return err
}
