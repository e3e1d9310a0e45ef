package ikev2

import (
	"net/netip"

	"github.com/espressovpn/espresso/helper/session"
)

var _ session.PathFollower = negotiation{}

// PathChanged implements session.PathFollower with the Daemon's MOBIKE
// (RFC 4555): the SAs move to local's path where the gateway announced
// MOBIKE, the connection ends with ike.ErrMOBIKEUnsupported where it did
// not and local is new, and an unchanged path gets a liveness check.
func (n negotiation) PathChanged(local netip.Addr) { n.d.PathChanged(local) }
