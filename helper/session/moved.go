package session

import (
	"github.com/espressovpn/espresso/helper/api"
	"github.com/espressovpn/espresso/ipsec/ike"
	"github.com/espressovpn/espresso/platform"
)

// moved re-applies the tunnel's configuration for the path the SAs moved
// to. The exclusion route that keeps the gateway's own traffic (IKE and
// ESP) out of the tunnel names the next hop of the path it was made for;
// left alone it would pin that traffic to the old path, or to none once
// that is gone, so it follows the path the system takes now.
func (s *Session) moved(ev *ike.Moved) {
	s.mu.Lock()
	s.info.NATDetected = ev.LocalNAT
	s.mu.Unlock()
	if l := ev.Local.Addr().Unmap(); l.IsValid() && !l.IsUnspecified() {
		// What the gateway now knows of us, for the NAT detection of a
		// later negotiation in this session (on demand).
		s.local = l
	}
	peer := s.peer.Addr()
	if r := ev.Remote.Addr().Unmap(); r.IsValid() && !r.IsUnspecified() {
		peer = r
	}
	hop, err := s.d.net.RouteTo(peer)
	if err != nil || !hop.IsValid() {
		s.logf(api.LevelWarn, "moved to %s: no path to the gateway %s to route its traffic by: %v", ev.Local, peer, err)
		return
	}
	s.logf(api.LevelInfo, "moved to %s (MOBIKE): the gateway %s is now reached %s", ev.Local, ev.Remote, hopString(hop))
	s.hop = hop
	if s.est == nil {
		return
	}
	// Set is idempotent: an unchanged path changes nothing on the system.
	if err := s.setTunnel(s.st.platformConfig(peer, hop, s.est)); err != nil {
		// The tunnel goes on over the old configuration; the next change
		// of the network tries again.
		s.logf(api.LevelError, "moved: %v", configError(err))
	}
}

// hopString renders a next hop for the log.
func hopString(h platform.NextHop) string {
	if h.Gateway.IsValid() {
		return "via " + h.Gateway.String() + " on " + h.Interface
	}
	return "on " + h.Interface
}
