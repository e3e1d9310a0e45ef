package bsd

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"slices"
	"sync"

	"github.com/espressovpn/espresso/platform"
	"github.com/espressovpn/espresso/platform/internal/statefile"
)

// Tunnel implements platform.Tunnel with one TUN device per virtual IP.
type Tunnel struct {
	net  *Network
	name string
	path string

	mu     sync.Mutex
	closed bool
	links  []*link
	mtu    int
	rec    record
	// foreign holds exclusion routes the kernel already had (EEXIST):
	// they are left alone and never deleted.
	foreign map[routeSpec]bool
	// exclHops remembers the original path of each excluded prefix,
	// looked up before the tunnel's routes could hide it.
	exclHops map[netip.Prefix]hop
}

var _ platform.Tunnel = (*Tunnel)(nil)

// link is one TUN device and the virtual IP it holds (invalid for the
// bare device of an on-demand tunnel before IKE_AUTH).
type link struct {
	vip netip.Prefix
	dev tunDevice
}

func (l *link) info() linkInfo {
	return linkInfo{dev: l.dev.Name(), index: l.dev.Index(), vip: l.vip}
}

// Set implements platform.Tunnel. Devices change first (so routes have
// their interfaces), then routes (exclusions before the tunnel's own),
// then DNS.
func (t *Tunnel) Set(cfg *platform.Config) error {
	if err := cfg.Validate(); err != nil {
		return err
	}
	if err := checkBSD(cfg); err != nil {
		return err
	}
	c := cfg.WithDefaults()
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.closed {
		return platform.ErrClosed
	}
	peer, err := t.peerHop(&c)
	if err != nil {
		return err
	}
	if err := t.lookupExcludes(&c, peer); err != nil {
		return err
	}
	if err := t.syncLinks(&c); err != nil {
		return err
	}
	infos := t.infos()
	want := plan(&c, infos, peer, t.exclHops, !t.net.opts.Layout.PointToPoint)
	if err := t.syncRoutes(want); err != nil {
		return err
	}
	return t.syncDNS(dnsRequest(t.name, &c, infos))
}

// checkBSD refuses what Linux can do and these systems cannot: socket
// marks (a selector equal to the peer needs them to keep IKE out of the
// tunnel) and the kill switch, whose blocking routes would need a second
// route per prefix, which the BSD routing table does not keep.
func checkBSD(c *platform.Config) error {
	if _, ok := c.PeerSelector(); ok {
		return &platform.ConfigError{Field: "allow_peer_ts", Reason: "needs socket marks, which only Linux has"}
	}
	if c.KillSwitch {
		return &platform.ConfigError{Field: "kill_switch", Reason: "not available on macOS and FreeBSD"}
	}
	return CheckDomains(c.DNS.Domains)
}

// peerHop resolves the interface index of the peer's original path.
func (t *Tunnel) peerHop(c *platform.Config) (hop, error) {
	if !c.NeedsPeerExclusion() {
		return hop{}, nil
	}
	h := hop{Dev: c.PeerNextHop.Interface, Gateway: c.PeerNextHop.Gateway.Unmap()}
	idx, err := t.net.k.interfaceIndex(h.Dev)
	if err != nil {
		return hop{}, fmt.Errorf("peer next hop %s: %w", h.Dev, err)
	}
	h.Index = idx
	if h.Gateway.Zone() != "" && !isKAMEScoped(h.Gateway) {
		h.Gateway = h.Gateway.WithZone("")
	}
	return h, nil
}

// lookupExcludes finds the path each excluded prefix had before the
// tunnel. A lookup that lands in one of the tunnel's own devices (the
// prefix was added while routes are in place) falls back to the peer's
// path when it has the same family.
func (t *Tunnel) lookupExcludes(c *platform.Config, peer hop) error {
	if t.exclHops == nil {
		t.exclHops = map[netip.Prefix]hop{}
	}
	for p := range t.exclHops {
		if !slices.Contains(c.Exclude, p) {
			delete(t.exclHops, p)
		}
	}
	for _, ex := range c.Exclude {
		if _, ok := t.exclHops[ex]; ok || !(overlapsAny(ex, c.RemoteSelectors) || overlapsAny(ex, c.Blocked)) {
			continue
		}
		h, err := t.net.routeGet(ex.Addr())
		if err == nil && !t.ownsDevice(h.Dev) {
			h.Source = netip.Addr{}
			t.exclHops[ex] = h
			continue
		}
		if peer.Dev != "" && c.Peer.Unmap().Is4() == ex.Addr().Is4() {
			t.exclHops[ex] = peer
			continue
		}
		if err == nil {
			err = errors.New("its route already goes through the tunnel")
		}
		return &platform.ConfigError{Field: "exclude", Reason: fmt.Sprintf("no path outside the tunnel for %s: %v", ex, err)}
	}
	return nil
}

func (t *Tunnel) ownsDevice(name string) bool {
	for _, l := range t.links {
		if l.dev.Name() == name {
			return true
		}
	}
	return false
}

func (t *Tunnel) infos() []linkInfo {
	out := make([]linkInfo, len(t.links))
	for i, l := range t.links {
		out[i] = l.info()
	}
	return out
}

// Links implements platform.Tunnel.
func (t *Tunnel) Links() []platform.Link {
	t.mu.Lock()
	defer t.mu.Unlock()
	out := make([]platform.Link, len(t.links))
	for i, l := range t.links {
		out[i] = platform.Link{Name: l.dev.Name(), Device: l.dev}
		if l.vip.IsValid() {
			out[i].Addrs = []netip.Prefix{l.vip}
		}
	}
	return out
}

// Close implements platform.Tunnel. The record stays when something could
// not be removed, so that Recover retries it.
func (t *Tunnel) Close() error {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.closed {
		return nil
	}
	t.closed = true
	defer t.net.forget(t.name)
	var errs []error
	if err := t.syncDNS(nil); err != nil {
		errs = append(errs, err)
	}
	if err := t.syncRoutes(nil); err != nil {
		errs = append(errs, err)
	}
	for _, l := range t.links {
		if err := t.dropLink(l); err != nil {
			errs = append(errs, err)
		}
	}
	t.links = nil
	if len(errs) > 0 {
		return errors.Join(errs...)
	}
	return statefile.Remove(t.path)
}

// syncDNS moves the DNS settings to want (nil: none).
func (t *Tunnel) syncDNS(want *DNSRequest) error {
	have := t.rec.DNS
	if have.equal(want) {
		return nil
	}
	ctx := context.Background()
	if have != nil && (want == nil || have.Device != want.Device) {
		if err := t.net.opts.DNS.Remove(ctx, have); err != nil {
			return fmt.Errorf("dns: %w", err)
		}
		t.rec.DNS = nil
		if err := statefile.Save(t.path, &t.rec); err != nil {
			return err
		}
	}
	if want == nil {
		return nil
	}
	t.rec.DNS = want
	if err := statefile.Save(t.path, &t.rec); err != nil {
		return err
	}
	if err := t.net.opts.DNS.Apply(ctx, want); err != nil {
		return fmt.Errorf("dns: %w", err)
	}
	return nil
}
