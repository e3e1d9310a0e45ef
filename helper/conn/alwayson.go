package conn

import (
	"context"
	"time"

	"github.com/espressovpn/espresso/helper/api"
	prof "github.com/espressovpn/espresso/helper/profile"
	"github.com/espressovpn/espresso/helper/session"
)

// Always-on connections. A profile is always-on when it has auto_connect
// or is the default always-on profile (Wanted.Default). The helper brings
// such a connection up by itself (Reconsider: at its start, when a
// profile is stored, when the default changes and when the network
// changes) as a reconnection, so that it is retried with the back-off
// without a limit and a kill switch blocks its traffic from the first
// attempt. The user's down holds it down, across restarts and reboots,
// until the user connects it again. On one of the profile's trusted
// networks it stays down, and a connection the helper brought up is
// taken down when the machine arrives on one; one the user connected is
// left alone.

// Standby reasons, as the status shows them.
const (
	standbyUserDown = "disconnected by the user; it stays down until connected again"
	standbyTrusted  = "on trusted network "
)

// trustDownTimeout bounds the wait for a connection taken down because
// the machine is on a trusted network.
const trustDownTimeout = 30 * time.Second

// AlwaysOn is what a Manager needs to keep always-on connections up.
type AlwaysOn struct {
	// Wanted keeps the default always-on profile and the user's downs.
	Wanted *Wanted
	// Profiles returns the stored profiles, with their secrets.
	Profiles func() ([]api.Profile, error)
	// Survey tells what network the machine is on; nil recognises no
	// trusted network.
	Survey func() (session.Surroundings, error)
}

// WithAlwaysOn makes the Manager keep always-on profiles connected.
// Without it no connection comes up by itself.
func WithAlwaysOn(a AlwaysOn) Option {
	return func(m *Manager) { m.always = &a }
}

// DefaultAlwaysOn returns the default always-on profile, "" for none.
func (m *Manager) DefaultAlwaysOn() string {
	if m.always == nil {
		return ""
	}
	return m.always.Wanted.Default()
}

// SetDefaultAlwaysOn makes name (a profile SetProfile made known) the
// default always-on profile, or clears the mark when name is "", and
// brings it up. Who may do so is the caller's to check.
func (m *Manager) SetDefaultAlwaysOn(name string) error {
	if m.always == nil {
		return errNoAlwaysOn
	}
	if name != "" {
		m.mu.Lock()
		_, ok := m.conns[name]
		m.mu.Unlock()
		if !ok {
			return ErrUnknownProfile
		}
	}
	if err := m.always.Wanted.SetDefault(name); err != nil {
		return err
	}
	m.Reconsider()
	return nil
}

// hold records the user's down (true) or connect (false) of an always-on
// connection; the status says it is held down.
func (m *Manager) hold(name string, down bool) {
	if m.always == nil {
		return
	}
	m.mu.Lock()
	c, ok := m.conns[name]
	always := ok && c.alwaysOn
	m.mu.Unlock()
	if down && !always {
		return
	}
	if err := m.always.Wanted.SetHeldDown(name, down); err != nil {
		m.log.Logf(api.LevelError, name, "%v", err)
	}
	if down {
		m.setStandby(name, true, standbyUserDown)
	} else {
		m.setStandby(name, always, "")
	}
}

// Reconsider brings up every always-on connection that should be up and
// takes down those the helper brought up on a network now trusted. A
// connection that failed for good is left for the user.
func (m *Manager) Reconsider() {
	if m.always == nil {
		return
	}
	m.reconsider.Lock()
	defer m.reconsider.Unlock()
	ps, err := m.always.Profiles()
	if err != nil {
		m.log.Logf(api.LevelError, "", "always-on: reading the profiles: %v", err)
		return
	}
	def := m.always.Wanted.Default()
	var here *session.Surroundings
	for i := range ps {
		p := &ps[i]
		always := p.AutoConnect || p.Name == def
		if !always {
			if m.always.Wanted.HeldDown(p.Name) {
				// Not always-on any more: the down is an ordinary one.
				m.hold(p.Name, false)
			}
			m.setStandby(p.Name, false, "")
			continue
		}
		standby := ""
		trusted := false
		nets := trustedNetworks(p)
		switch {
		case m.always.Wanted.HeldDown(p.Name):
			standby = standbyUserDown
		case len(nets) > 0 && m.always.Survey != nil:
			if here == nil {
				s, err := m.always.Survey()
				if err != nil {
					m.log.Logf(api.LevelWarn, "", "always-on: cannot tell the network the machine is on: %v", err)
				}
				here = &s
			}
			if t, ok := trustedBy(nets, *here); ok {
				standby, trusted = standbyTrusted+t.String(), true
			}
		}
		start, stop := m.setStandby(p.Name, true, standby)
		switch {
		case start:
			m.log.Logf(api.LevelInfo, p.Name, "always-on: connecting")
			if err := m.start(*p, "", true); err != nil {
				m.log.Logf(api.LevelError, p.Name, "always-on: %v", err)
			}
		case stop && trusted:
			m.log.Logf(api.LevelInfo, p.Name, "always-on: %s; disconnecting", standby)
			ctx, cancel := context.WithTimeout(m.ctx, trustDownTimeout)
			if err := m.disconnect(ctx, p.Name); err != nil {
				m.log.Logf(api.LevelError, p.Name, "always-on: disconnecting: %v", err)
			}
			cancel()
		}
	}
}

// trustedNetworks reads p's trusted_networks; the store refused profiles
// with a wrong entry, so one that does not parse is only skipped.
func trustedNetworks(p *api.Profile) []prof.TrustedNetwork {
	var out []prof.TrustedNetwork
	for _, s := range p.TrustedNetworks {
		if t, reason := prof.ParseTrustedNetwork(s); reason == "" {
			out = append(out, t)
		}
	}
	return out
}

// setStandby records whether name is always-on and why it is down, and
// tells watchers of a change. It reports whether the connection is to be
// started (always-on, no reason to stay down, not active, not failed)
// or stopped (a reason to stay down, active, brought up by the helper).
func (m *Manager) setStandby(name string, always bool, standby string) (start, stop bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	c, ok := m.conns[name]
	if !ok {
		return false, false
	}
	if c.alwaysOn != always || c.standby != standby {
		c.alwaysOn, c.standby = always, standby
		m.broadcastLocked(api.Event{Kind: api.EventStatus, Connection: ptr(m.statusLocked(c))})
	}
	active := c.done != nil
	start = always && standby == "" && !active && c.state != api.StateFailed && !m.closed
	stop = standby != "" && active && c.auto
	return start, stop
}
