package session

import (
	"fmt"
	"net/netip"

	"github.com/espressovpn/espresso/helper/api"
)

// What a session does when the network under it changes (PathObserver):
//
//   - It asks the system for the path to the gateway now. Without one (the
//     network went away) it waits: the negotiation's own liveness checks
//     decide whether the connection survives, and the next change comes
//     back here.
//   - When its sockets are bound to an address the path no longer uses,
//     they cannot carry IKE or ESP any more, MOBIKE or not: the session
//     ends with a PathError, and the manager (helper/conn) connects
//     again at once over the new path.
//   - Otherwise a negotiation that can follow the path (PathFollower) is
//     told the new local address: with MOBIKE the IKE SA and its Child SAs
//     move to it without a rekey (RFC 4555 §3.5); without MOBIKE a new
//     address ends the negotiation (the session ends and is reconnected),
//     and an unchanged one gets a liveness check at once (RFC 7296 §1.4)
//     rather than at the next dead peer detection interval.

// PathFollower is a Negotiation that can follow a change of the network
// under it. PathChanged must not block for long.
type PathFollower interface {
	// PathChanged says that the network changed and that local is the
	// source address of the path to the gateway now. With MOBIKE the SAs
	// move to it (RFC 4555 §3.5); a gateway without MOBIKE cannot follow
	// a new address, and the negotiation then ends with Down; an
	// unchanged address is checked with a liveness check (RFC 7296 §1.4).
	PathChanged(local netip.Addr)
}

// PathError ends a session whose sockets are bound to a local address the
// path to the gateway no longer uses: nothing it sends can leave, so it
// must be dialled again from the new address.
type PathError struct {
	// Bound is the address the sockets are bound to; Now is the source
	// address of the path to the gateway.
	Bound, Now netip.Addr
}

func (e *PathError) Error() string {
	return fmt.Sprintf("the local address changed from %s to %s; connecting again over the new path", e.Bound, e.Now)
}

var _ PathObserver = (*Session)(nil)

// PathChanged implements PathObserver. It takes one route look-up and
// hands the rest to the negotiation's goroutine, so it returns at once.
func (s *Session) PathChanged(c Change) {
	s.mu.Lock()
	neg, gone := s.neg, s.closing || s.ended
	s.mu.Unlock()
	if neg == nil || gone {
		// On demand without a negotiation, the next packet dials over
		// whatever path there is then.
		return
	}
	peer := s.peer.Addr()
	hop, err := s.d.net.RouteTo(peer)
	if err != nil || !hop.IsValid() {
		s.logf(api.LevelInfo, "network change (%v): no path to the gateway %s now; waiting", c, peer)
		return
	}
	local := hop.Source
	if local.IsValid() && local.Is4() != peer.Is4() {
		local = netip.Addr{}
	}
	if bound := s.ikeT.LocalAddr().Addr(); local.IsValid() && !bound.IsUnspecified() && bound != local {
		err := &PathError{Bound: bound, Now: local}
		s.logf(api.LevelWarn, "network change (%v): %v", c, err)
		s.end(WithCode(api.FailurePeerUnreachable, err))
		return
	}
	f, ok := neg.(PathFollower)
	if !ok {
		// Dead peer detection finds out in its own time.
		return
	}
	s.logf(api.LevelInfo, "network change (%v): path to the gateway from %s via %s", c, addrOrNone(local), hop.Interface)
	f.PathChanged(local)
}

// addrOrNone renders an address for the log, "none" when unknown.
func addrOrNone(a netip.Addr) string {
	if !a.IsValid() {
		return "none"
	}
	return a.String()
}
