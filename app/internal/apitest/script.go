package apitest

import (
	"fmt"

	"github.com/espressovpn/espresso/helper/api"
	"github.com/espressovpn/espresso/helper/profile"
)

// Outcome is what the fake does with the next connection attempts of one
// profile.
type Outcome struct {
	// Hold leaves the attempt in StateConnecting until Complete is called.
	Hold bool
	// Fail, when not empty, makes the attempt fail with this last_error.
	Fail string
	// Code is the failure's error_code; empty sends none, as a helper
	// older than the codes does.
	Code api.FailureCode
	// Connected is the status reported once up: virtual IPs, DNS,
	// selectors, proposals, NAT, encapsulation and counters. Name, State,
	// Gateway and EstablishedAt are filled in by the fake.
	Connected api.ConnectionStatus
}

// DefaultConnected is the status a connection reports when the test set no
// Outcome: an address and name server from the documentation ranges, the
// proposals strongSwan 5.9 picks by default, no NAT.
var DefaultConnected = api.ConnectionStatus{
	VirtualIPs:    []string{"198.51.100.10"},
	DNS:           []string{"198.51.100.1"},
	LocalTS:       []string{"198.51.100.10/32"},
	RemoteTS:      []string{"0.0.0.0/0"},
	IKEProposal:   "aes256gcm16-prfsha384-x25519",
	ESPProposal:   "aes256gcm16-noesn",
	Encapsulation: api.EncapsulationUDP,
}

// AddProfile stores p as if it had been imported (secrets kept, never
// returned) and publishes its disconnected status. It fails if p does not
// validate.
func (s *Server) AddProfile(p api.Profile) error {
	if err := profile.Validate(&p); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.storeProfile(p)
	return nil
}

// SetOutcome scripts the next connection attempts of profile name.
func (s *Server) SetOutcome(name string, o Outcome) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.outcomes[name] = o
}

// Complete finishes a held attempt of profile name with its Outcome (Hold
// ignored). It fails if no attempt is held.
func (s *Server) Complete(name string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	o, ok := s.pending[name]
	if !ok {
		return fmt.Errorf("apitest: no held attempt for %q", name)
	}
	delete(s.pending, name)
	s.finish(name, o)
	return nil
}

// SetTraffic sets the counters of profile name's connection and publishes
// the new status.
func (s *Server) SetTraffic(name string, bytesIn, bytesOut uint64) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	st, ok := s.status[name]
	if !ok {
		return fmt.Errorf("apitest: no profile %q", name)
	}
	st.BytesIn, st.BytesOut = bytesIn, bytesOut
	st.PacketsIn, st.PacketsOut = bytesIn/1000, bytesOut/1000
	s.setStatus(st)
	return nil
}

// Drop ends profile name's connection as a lost tunnel does: the status
// becomes failed with reason.
func (s *Server) Drop(name, reason string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.status[name]; ok {
		s.setStatus(api.ConnectionStatus{Name: name, State: api.StateFailed, Gateway: s.profiles[name].Gateway, LastError: reason})
	}
}

// Reconnecting puts profile name's connection in StateReconnecting with
// the progress r, as the helper reports a tunnel it is re-establishing;
// the status's last_error and error_code are r's reason and code.
func (s *Server) Reconnecting(name string, r api.Reconnect) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.status[name]; !ok {
		return fmt.Errorf("apitest: no profile %q", name)
	}
	st := api.ConnectionStatus{Name: name, State: api.StateReconnecting, Gateway: s.profiles[name].Gateway,
		LastError: r.Reason, ErrorCode: r.ErrorCode, Reconnect: &r}
	s.setStatus(cloneStatus(st))
	s.logLocked(api.LevelWarn, name, "reconnecting: "+r.Reason)
	return nil
}

// Standby marks profile name's connection always-on and down for the
// reason given (empty: kept up), as the helper reports an always-on
// profile on a trusted network or disconnected by the user.
func (s *Server) Standby(name, reason string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	st, ok := s.status[name]
	if !ok {
		return fmt.Errorf("apitest: no profile %q", name)
	}
	st = cloneStatus(st)
	st.AlwaysOn, st.Standby = true, reason
	s.setStatus(st)
	return nil
}

// Reset forgets every connection's state, as a helper that restarted
// after a crash knows no tunnel: each profile is disconnected again.
func (s *Server) Reset() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for name, p := range s.profiles {
		s.status[name] = api.ConnectionStatus{Name: name, State: api.StateDisconnected, Gateway: p.Gateway}
	}
	s.pending = map[string]Outcome{}
}

// Log appends a log entry and sends it to the clients that follow the log.
func (s *Server) Log(level api.Level, connection, message string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.logLocked(level, connection, message)
}

func (s *Server) logLocked(level api.Level, connection, message string) {
	e := api.LogEntry{Seq: uint64(len(s.logs) + 1), Time: s.now(), Level: level, Connection: connection, Message: message}
	s.logs = append(s.logs, e)
	for ch := range s.logSubs {
		select {
		case ch <- e:
		default:
			close(ch)
			delete(s.logSubs, ch)
		}
	}
}

// Status returns the fake's view of profile name's connection.
func (s *Server) Status(name string) (api.ConnectionStatus, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	st, ok := s.status[name]
	return cloneStatus(st), ok
}

// StoredProfile returns profile name as stored, secrets included, so a
// test can check what the app sent.
func (s *Server) StoredProfile(name string) (api.Profile, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	p, ok := s.profiles[name]
	return p, ok
}

// Imports returns every profile file posted so far.
func (s *Server) Imports() []Import {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Import(nil), s.imports...)
}

// storeProfile keeps p and gives it a status if it has none; s.mu is held.
func (s *Server) storeProfile(p api.Profile) {
	p.HasPSK, p.HasKey, p.HasP12, p.HasP12Password, p.HasPassword = false, false, false, false, false
	s.profiles[p.Name] = p
	st, ok := s.status[p.Name]
	if !ok {
		st = api.ConnectionStatus{Name: p.Name, State: api.StateDisconnected}
	}
	st.Gateway = p.Gateway
	s.setStatus(st)
}

// start begins an attempt of profile name; s.mu is held.
func (s *Server) start(name string) {
	o, ok := s.outcomes[name]
	if !ok {
		o = Outcome{Connected: DefaultConnected}
	}
	s.setStatus(api.ConnectionStatus{Name: name, State: api.StateConnecting, Gateway: s.profiles[name].Gateway})
	s.logLocked(api.LevelInfo, name, "initiating IKE_SA to "+s.profiles[name].Gateway)
	if o.Hold {
		s.pending[name] = o
		return
	}
	s.finish(name, o)
}

// finish ends an attempt of profile name with o; s.mu is held.
func (s *Server) finish(name string, o Outcome) {
	gw := s.profiles[name].Gateway
	if o.Fail != "" {
		s.setStatus(api.ConnectionStatus{Name: name, State: api.StateFailed, Gateway: gw, LastError: o.Fail, ErrorCode: o.Code})
		s.logLocked(api.LevelError, name, o.Fail)
		return
	}
	st := cloneStatus(o.Connected)
	st.Name, st.State, st.Gateway, st.LastError = name, api.StateConnected, gw, ""
	now := s.now()
	st.EstablishedAt = &now
	s.setStatus(st)
	s.logLocked(api.LevelInfo, name, "CHILD_SA established")
}
