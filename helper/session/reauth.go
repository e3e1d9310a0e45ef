package session

import (
	"github.com/espressovpn/espresso/helper/api"
	"github.com/espressovpn/espresso/ipsec/ike"
)

// reauthenticated follows a new IKE SA. The system is configured again
// only when the gateway assigned other virtual IPs; otherwise the tunnel
// stays as it is and only what the status shows of the SAs changes, so
// the connection's uptime goes on.
func (s *Session) reauthenticated(ev *ike.Reauthenticated) {
	est := &ike.Established{
		IKEProposal: ev.IKEProposal, ESPProposal: ev.ESPProposal, KeyExchanges: ev.KeyExchanges,
		LocalID: ev.LocalID, RemoteID: ev.RemoteID,
		VirtualIPs: ev.VirtualIPs, DNS: ev.DNS, DNSDomains: ev.DNSDomains,
		Child: ev.Child,
	}
	if s.est != nil {
		// The path, and the address translation on it, did not change
		// with the SA.
		est.Local, est.Remote = s.est.Local, s.est.Remote
		est.LocalNAT, est.RemoteNAT = s.est.LocalNAT, s.est.RemoteNAT
	}
	if ev.VirtualIPsChanged {
		s.logf(api.LevelWarn, "reauthenticated with other virtual IPs %v: configuring them", ev.VirtualIPs)
		s.established(est)
		return
	}
	s.children = 1
	s.stopOrphan()
	s.est = est
	s.mu.Lock()
	s.info.IKEProposal = ev.IKEProposal
	s.info.KeyExchanges = ev.KeyExchanges
	s.info.ESPProposal = ev.ESPProposal
	s.mu.Unlock()
	s.logf(api.LevelInfo, "reauthenticated: a new IKE SA (%s) with ESP %s replaces the old one", ev.IKEProposal, ev.ESPProposal)
}
