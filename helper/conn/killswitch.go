package conn

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"slices"
	"time"

	"github.com/espressovpn/espresso/helper/api"
	prof "github.com/espressovpn/espresso/helper/profile"
	"github.com/espressovpn/espresso/helper/session"
)

// The kill switch of a profile with kill_switch on is engaged when its
// supervisor starts and stays through every reconnection; only the user's
// Disconnect (or removing the profile) lifts it. A stop of the helper,
// clean or not, leaves it and its record, and the next helper resumes the
// connection under it. A connection that
// fails for good after it had been up keeps its block until the user
// disconnects it: it is broken, and traffic the user meant to protect must
// not start leaving in the clear because of it. A connection whose very
// first attempt fails releases the block at once, since the user sees the
// failure and nothing had been protected yet.

// guarded reports whether a stored profile asks for a kill switch. A
// profile that does not parse counts as asking when it says so: its
// connection then fails, and the block stays until the user acts.
func guarded(p *api.Profile) bool {
	if tp, err := prof.Parse(p); err == nil {
		return tp.Guarded()
	}
	return p.KillSwitch || p.BlockOutside
}

// WithResolver sets how the kill switch learns the addresses of a gateway
// given by name, so that IKE and ESP to it pass before a session has
// reported its address. The default, session.KillSwitchResolver, queries
// from sockets the kill switch lets through.
func WithResolver(r session.Resolver) Option {
	return func(m *Manager) { m.resolver = r }
}

// resolveTimeout bounds the kill switch's look-up of a gateway name.
const resolveTimeout = 5 * time.Second

// learnGateway resolves p's gateway name while c knows no address of it.
// A failure only means IKE and ESP pass by their socket mark alone. The
// first address found is also the gateway of the next attempt
// (gatewayFor), so the name is resolved once for both.
func (m *Manager) learnGateway(c *profileConn, p *prof.Profile) {
	m.mu.Lock()
	known := len(c.peers) > 0
	m.mu.Unlock()
	if known || p.Gateway.Addr.IsValid() {
		return
	}
	host := p.Gateway.Host
	ctx, cancel := context.WithTimeout(context.Background(), resolveTimeout)
	defer cancel()
	addrs, err := m.resolver.LookupNetIP(ctx, "ip", host)
	if err != nil {
		m.log.Logf(api.LevelWarn, c.name, "kill switch: cannot resolve the gateway %s: %v", host, err)
		return
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	for i, a := range addrs {
		a = a.Unmap()
		if i == 0 {
			c.looked = a
		}
		if !slices.Contains(c.peers, a) {
			c.peers = append(c.peers, a)
		}
	}
}

// gatewayFor returns the gateway address the next attempt of c dials: the
// profile's own, or the one learnGateway found since the last attempt;
// the zero Addr leaves the look-up to the Dialer. An address is used by
// one attempt only: the next looks the name up again, as the gateway's
// address may have changed.
func (m *Manager) gatewayFor(c *profileConn, p *prof.Profile) netip.Addr {
	if p.Gateway.Addr.IsValid() {
		return p.Gateway.Addr
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	a := c.looked
	c.looked = netip.Addr{}
	return a
}

// engage puts c's block in place for p, or updates it. The caller is c's
// supervisor. It returns the kill switch's error, coded for the status,
// when the block could not be engaged.
func (m *Manager) engage(c *profileConn, p *prof.Profile, up bool) error {
	if !p.Guarded() {
		return nil
	}
	if m.ks == nil {
		// Connecting without the block the profile asks for would let its
		// traffic leave in the clear whenever the tunnel drops: refuse.
		return session.ErrNoKillSwitch
	}
	m.learnGateway(c, p)
	m.mu.Lock()
	peers := slices.Clone(c.peers)
	m.mu.Unlock()
	if err := m.ks.Engage(c.name, p, peers, up); err != nil {
		return err
	}
	m.mu.Lock()
	c.blocked = true
	m.mu.Unlock()
	return nil
}

// release lifts c's block if it has one.
func (m *Manager) release(name string) {
	if m.ks == nil {
		return
	}
	if err := m.ks.Release(name); err != nil {
		m.log.Logf(api.LevelError, name, "lifting the kill switch: %v", err)
		return
	}
	m.mu.Lock()
	if c, ok := m.conns[name]; ok {
		c.blocked = false
	}
	m.mu.Unlock()
}

// Resume picks up the connections whose kill switch an earlier helper
// process left engaged (it was stopped or restarted, it crashed, or the
// machine lost power): the user
// wanted them up, so each is connected again as a reconnection, retried
// without a limit, while its block stays. Blocks of profiles that no
// longer exist, or no longer ask for a kill switch, are lifted. profiles
// are the stored profiles, with their secrets; their names must have been
// given to SetProfile. It returns the names it reconnects.
func (m *Manager) Resume(profiles []api.Profile) ([]string, error) {
	if m.ks == nil {
		return nil, nil
	}
	names, err := m.ks.Engaged()
	if err != nil {
		return nil, fmt.Errorf("kill switch: %w", err)
	}
	var resumed []string
	var errs []error
	for _, name := range names {
		i := slices.IndexFunc(profiles, func(p api.Profile) bool { return p.Name == name })
		if i < 0 || !guarded(&profiles[i]) {
			m.log.Logf(api.LevelInfo, name, "lifting the kill switch an earlier helper left: the profile no longer asks for it")
			if err := m.ks.Release(name); err != nil {
				errs = append(errs, err)
			}
			continue
		}
		m.log.Logf(api.LevelWarn, name, "an earlier helper stopped while this connection was wanted; reconnecting, traffic stays blocked meanwhile")
		if err := m.start(profiles[i], "", true); err != nil {
			errs = append(errs, err)
			continue
		}
		resumed = append(resumed, name)
	}
	return resumed, errors.Join(errs...)
}
