package session

import (
	"net/netip"
	"time"

	"github.com/espressovpn/espresso/helper/api"
	"github.com/espressovpn/espresso/ipsec/datapath"
	"github.com/espressovpn/espresso/ipsec/ike"
)

// mainReqID is the ReqID of the session's Child SAs, the ike.Conn's default,
// and of an on-demand profile's trap policy, so that the first Child SA
// releases the packets the trap holds.
const mainReqID = ike.DefaultReqID

// An on-demand session (a trap policy in RFC 4301 §4.4.1 terms) lives
// through any number of negotiations: the routes stay in, the engine holds
// a trap for the remote selectors, and each time an IKE SA ends the trap
// is armed again for the next packet.

// trapSelectors are the trap's policies: from any local address of the
// remote selectors' families, since no virtual IP is known yet.
func (s *Session) trapSelectors() []netip.Prefix {
	var local []netip.Prefix
	v4, v6 := false, false
	for _, ts := range s.st.remoteTS {
		v4, v6 = v4 || ts.Addr().Is4(), v6 || ts.Addr().Is6()
	}
	if v4 {
		local = append(local, netip.PrefixFrom(netip.IPv4Unspecified(), 0))
	}
	if v6 {
		local = append(local, netip.PrefixFrom(netip.IPv6Unspecified(), 0))
	}
	return local
}

// armTrap (re)installs the trap with its original selectors; removing it
// first drops what it held and lets the next packet raise an acquire.
func (s *Session) armTrap() {
	s.eng.RemoveTrap(mainReqID)
	if err := s.eng.InstallTrap(mainReqID, ike.Selectors(s.trapSelectors(), s.st.remoteTS)); err != nil {
		s.logf(api.LevelError, "on demand: installing the trap: %v", err)
	}
}

// acquire starts a negotiation for the first packet caught by the trap,
// unless one runs, the user is being asked for the password, or a failed
// one is still in its retry delay. Without the password it asks first.
func (s *Session) acquire(ev datapath.Event) {
	s.mu.Lock()
	busy := s.neg != nil || s.closing
	s.mu.Unlock()
	if busy || s.retry != nil || !s.st.onDemand || s.pw.asking {
		return
	}
	s.logf(api.LevelInfo, "on demand: traffic to %s starts the negotiation", ev.Flow.Dst)
	if s.st.needsPassword() {
		s.askPassword()
		return
	}
	if err := s.negotiate(); err != nil {
		s.rearm(err)
	}
}

// rearm returns an on-demand session to its trap after a negotiation
// ended: the DNS goes, the routes stay, and so does the last virtual IP
// of each family, for the next negotiation to ask for again. After a
// failure the trap waits RetryDelay before it is armed again.
func (s *Session) rearm(err error) {
	s.forgetRefused(err)
	s.stopNegotiation()
	s.mu.Lock()
	s.info = Info{Peer: s.peer}
	s.mu.Unlock()
	// The translated flows end with the IKE SA (armTrap removes the
	// trap), and so do the addresses kept for them.
	s.st.kept = nil
	if serr := s.setTunnel(s.st.platformConfig(s.peer.Addr(), s.hop, nil)); serr != nil {
		s.logf(api.LevelError, "on demand: restoring the routes: %v", serr)
	}
	if err == nil {
		s.armTrap()
		return
	}
	s.logf(api.LevelWarn, "on demand: %v; waiting %s for the next attempt", err, s.d.opts.RetryDelay)
	if s.retry != nil {
		s.retry.Stop()
	}
	s.retry = time.NewTimer(s.d.opts.RetryDelay)
}
