package session

import "github.com/espressovpn/espresso/helper/api"

// Reauthenticated reports that a new IKE SA, authenticated from scratch,
// replaced the old one make-before-break (RFC 7296 §2.8.3, RFC 4478): its
// first Child SA carries the traffic now, and the old SAs are going.
type Reauthenticated struct {
	Established
	// VirtualIPsChanged tells that the gateway assigned other virtual IPs
	// than the old IKE SA had.
	VirtualIPsChanged bool
}

// ReauthFailed reports a reauthentication that did not complete; the old
// IKE SA and its Child SAs stay in use until they end.
type ReauthFailed struct{ Err error }

func (*Reauthenticated) sessionEvent() {}
func (*ReauthFailed) sessionEvent()    {}

// reauthenticated follows a new IKE SA. The system is configured again
// only when the gateway assigned other virtual IPs; otherwise the tunnel
// stays as it is and only what the status shows of the SAs changes, so
// the connection's uptime goes on.
func (s *Session) reauthenticated(ev *Reauthenticated) {
	if s.est != nil {
		// The address translation on the path did not change with the SA.
		ev.NAT = s.est.NAT
	}
	if ev.VirtualIPsChanged {
		s.logf(api.LevelWarn, "reauthenticated with other virtual IPs %v: configuring them", ev.VirtualIPs)
		s.established(&ev.Established)
		return
	}
	s.children = 1
	s.stopOrphan()
	s.est = &ev.Established
	s.mu.Lock()
	s.info.IKEProposal = ev.IKEProposal
	s.info.ESPProposal = ev.ESPProposal
	s.mu.Unlock()
	s.logf(api.LevelInfo, "reauthenticated: a new IKE SA (%s) with ESP %s replaces the old one", ev.IKEProposal, ev.ESPProposal)
}
