package conn

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"slices"
	"strconv"
	"time"

	"github.com/espressovpn/espresso/helper/api"
	"github.com/espressovpn/espresso/platform"
)

// The kill switch of a profile with kill_switch on is engaged when its
// supervisor starts and stays through every reconnection; only the user's
// Disconnect (or a clean stop of the helper) lifts it. A connection that
// fails for good after it had been up keeps its block until the user
// disconnects it: it is broken, and traffic the user meant to protect must
// not start leaving in the clear because of it. A connection whose very
// first attempt fails releases the block at once, since the user sees the
// failure and nothing had been protected yet.

// guarded reports whether p asks for a block: block_outside implies the
// kill switch.
func guarded(p api.Profile) bool {
	return p.KillSwitch || p.BlockOutside
}

// blockConfig derives the kill switch's block for p. peers are the
// gateway addresses known from earlier sessions; up reports an
// established tunnel.
func blockConfig(p api.Profile, peers []netip.Addr, up bool) (*platform.BlockConfig, error) {
	b := &platform.BlockConfig{Up: up, BlockOutside: p.BlockOutside}
	if p.FWMark != "" {
		// The profile's sockets carry its own mark (allow_peer_ts).
		m, err := strconv.ParseUint(p.FWMark, 0, 32)
		if err != nil || m == 0 {
			return nil, fmt.Errorf("fwmark %q is not a non-zero 32-bit number", p.FWMark)
		}
		b.Mark = uint32(m)
	}
	var err error
	if b.Protected, err = parsePrefixes(p.RemoteTS); err != nil {
		return nil, fmt.Errorf("remote_ts: %w", err)
	}
	if len(b.Protected) == 0 {
		b.Protected = []netip.Prefix{netip.MustParsePrefix("0.0.0.0/0"), netip.MustParsePrefix("::/0")}
	}
	if b.Exclude, err = parsePrefixes(p.Exclude); err != nil {
		return nil, fmt.Errorf("exclude: %w", err)
	}
	if a, ok := gatewayAddr(p.Gateway); ok {
		b.Gateways = append(b.Gateways, a)
	}
	for _, a := range peers {
		if !slices.Contains(b.Gateways, a) {
			b.Gateways = append(b.Gateways, a)
		}
	}
	return b, nil
}

func parsePrefixes(in []string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, s := range in {
		p, err := netip.ParsePrefix(s)
		if err != nil {
			if a, aerr := netip.ParseAddr(s); aerr == nil {
				p = netip.PrefixFrom(a, a.BitLen())
			} else {
				return nil, err
			}
		}
		out = append(out, p.Masked())
	}
	return out, nil
}

// gatewayAddr returns the gateway's address when the profile names it by
// address ("203.0.113.1", "203.0.113.1:4500", "[2001:db8::1]:500"); a
// host name is resolved by the session, which reports the address in
// Info.Peer.
func gatewayAddr(gw string) (netip.Addr, bool) {
	if a, err := netip.ParseAddr(gw); err == nil {
		return a.Unmap(), true
	}
	if ap, err := netip.ParseAddrPort(gw); err == nil {
		return ap.Addr().Unmap(), true
	}
	return netip.Addr{}, false
}

// Resolver looks up a gateway's addresses; *net.Resolver is one.
type Resolver interface {
	LookupNetIP(ctx context.Context, network, host string) ([]netip.Addr, error)
}

// WithResolver sets how the kill switch learns the addresses of a gateway
// given by name, so that IKE and ESP to it pass before a session has
// reported its address. The default, platform.MarkedResolver, queries
// from sockets the kill switch lets through.
func WithResolver(r Resolver) Option {
	return func(m *Manager) { m.resolver = r }
}

// errNoKillSwitch refuses a kill_switch profile on a system without one.
var errNoKillSwitch = errors.New("this system has no kill switch; turn kill_switch off in the profile to connect without one")

// resolveTimeout bounds the kill switch's look-up of a gateway name.
const resolveTimeout = 5 * time.Second

// learnGateway resolves p's gateway name while c knows no address of it.
// A failure only means IKE and ESP pass by their socket mark alone.
func (m *Manager) learnGateway(c *conn, p api.Profile) {
	m.mu.Lock()
	known := len(c.peers) > 0
	m.mu.Unlock()
	if known {
		return
	}
	if _, ok := gatewayAddr(p.Gateway); ok {
		return
	}
	host := p.Gateway
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	ctx, cancel := context.WithTimeout(context.Background(), resolveTimeout)
	defer cancel()
	addrs, err := m.resolver.LookupNetIP(ctx, "ip", host)
	if err != nil {
		m.log.Logf(api.LevelWarn, c.name, "kill switch: cannot resolve the gateway %s: %v", host, err)
		return
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, a := range addrs {
		if a = a.Unmap(); !slices.Contains(c.peers, a) {
			c.peers = append(c.peers, a)
		}
	}
}

// engage puts c's block in place for p, or updates it. The caller is c's
// supervisor. It returns a *platform.KillSwitchError when the block could
// not be engaged.
func (m *Manager) engage(c *conn, p api.Profile, up bool) error {
	if !guarded(p) {
		return nil
	}
	if m.ks == nil {
		// Connecting without the block the profile asks for would let its
		// traffic leave in the clear whenever the tunnel drops: refuse.
		return &platform.KillSwitchError{Err: errNoKillSwitch}
	}
	m.learnGateway(c, p)
	m.mu.Lock()
	peers := slices.Clone(c.peers)
	m.mu.Unlock()
	b, err := blockConfig(p, peers, up)
	if err == nil {
		err = m.ks.Engage(c.name, b)
	}
	if err != nil {
		return &platform.KillSwitchError{Err: err}
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
// process left engaged (it crashed, or the machine lost power): the user
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
		if i < 0 || !guarded(profiles[i]) {
			m.log.Logf(api.LevelInfo, name, "lifting the kill switch an earlier helper left: the profile no longer asks for it")
			if err := m.ks.Release(name); err != nil {
				errs = append(errs, err)
			}
			continue
		}
		m.log.Logf(api.LevelWarn, name, "the helper stopped unexpectedly while this connection was wanted; reconnecting, traffic stays blocked meanwhile")
		if err := m.start(profiles[i], "", true); err != nil {
			errs = append(errs, err)
			continue
		}
		resumed = append(resumed, name)
	}
	return resumed, errors.Join(errs...)
}
