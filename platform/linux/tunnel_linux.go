package linux

import (
	"errors"
	"fmt"
	"net/netip"
	"slices"
	"sync"

	"github.com/espressovpn/espresso/platform"
	"github.com/espressovpn/espresso/platform/internal/statefile"
	"github.com/vishvananda/netlink"
)

// Tunnel is the Linux platform.Tunnel: one shared TUN device holding every
// virtual IP, routes in the configured table and the rules selecting it.
type Tunnel struct {
	net  *Network
	name string
	path string
	// table is the routing table Network.Open chose for this Tunnel,
	// used when a Config names none.
	table int

	mu     sync.Mutex
	dev    tunDevice
	rec    record // applied state, mirrored in the file at path
	closed bool

	// live, set only on a Tunnel rebuilt from a stale record to undo it,
	// is what open Tunnels hold; teardown leaves that alone.
	live *liveSet
}

var _ platform.SharedDeviceTunnel = (*Tunnel)(nil)

func (t *Tunnel) save() error {
	if t.live == nil {
		t.net.publish(&t.rec)
	}
	return statefile.Save(t.path, &t.rec)
}

// Set implements platform.Tunnel. Addresses go in before the routes that
// use them as source, and the rules last, once their table is complete;
// removals run before additions so a changed route never has two versions.
func (t *Tunnel) Set(cfg *platform.Config) error {
	if err := cfg.Validate(); err != nil {
		return err
	}
	c := *cfg
	if c.Table == 0 {
		c.Table = t.table
	}
	c = c.WithDefaults()
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.closed {
		return platform.ErrClosed
	}
	if err := t.ensureDevice(c.MTU); err != nil {
		return err
	}
	link, err := t.net.kernel.LinkByName(t.rec.Device)
	if err != nil {
		return fmt.Errorf("tun %s: %w", t.rec.Device, err)
	}
	if err := t.net.kernel.LinkSetMTU(link, c.MTU); err != nil {
		return fmt.Errorf("tun %s mtu: %w", t.rec.Device, err)
	}
	if err := t.net.kernel.LinkSetUp(link); err != nil {
		return fmt.Errorf("tun %s up: %w", t.rec.Device, err)
	}
	want := plan(&c, t.rec.Device)
	if err := t.removeUnwanted(want); err != nil {
		return err
	}
	for _, a := range want.addrs {
		if err := t.addAddr(link, a); err != nil {
			return err
		}
	}
	for _, r := range want.routes {
		if err := t.addRoute(r); err != nil {
			return err
		}
	}
	for _, r := range want.rules {
		if err := t.addRule(r); err != nil {
			return err
		}
	}
	return t.net.dns.apply(&t.rec, t.save, t.name, t.rec.Device, c.DNS, hasDefaultRoute(c.RemoteSelectors))
}

func hasDefaultRoute(ts []netip.Prefix) bool {
	return slices.ContainsFunc(ts, func(p netip.Prefix) bool { return p.Bits() == 0 })
}

// ensureDevice creates the shared TUN device on the first Set. The device
// is not persistent: it disappears when the helper's descriptor closes,
// even in a crash.
func (t *Tunnel) ensureDevice(mtu int) error {
	if t.dev != nil {
		return nil
	}
	dev, name, err := t.net.createTUN(t.net.opts.TUNName, mtu)
	if err != nil {
		return fmt.Errorf("create tun: %w", err)
	}
	t.dev = dev
	t.rec.Device = name
	return t.save()
}

func (t *Tunnel) removeUnwanted(want state) error {
	var errs []error
	for _, r := range slices.Clone(t.rec.Rules) {
		if !slices.Contains(want.rules, r) {
			errs = append(errs, t.delRule(r))
		}
	}
	for _, r := range slices.Clone(t.rec.Routes) {
		if !slices.Contains(want.routes, r) {
			errs = append(errs, t.delRoute(r))
		}
	}
	for _, a := range slices.Clone(t.rec.Addrs) {
		if !slices.Contains(want.addrs, a) {
			errs = append(errs, t.delAddr(a))
		}
	}
	return errors.Join(errs...)
}

func (t *Tunnel) addAddr(link netlink.Link, a addrSpec) error {
	if !slices.Contains(t.rec.Addrs, a) {
		t.rec.Addrs = append(t.rec.Addrs, a)
		if err := t.save(); err != nil {
			return err
		}
	}
	if err := t.net.kernel.AddrReplace(link, a.netlink()); err != nil {
		return fmt.Errorf("address %s on %s: %w", a.Prefix, a.Dev, err)
	}
	return nil
}

func (t *Tunnel) addRoute(r routeSpec) error {
	if !slices.Contains(t.rec.Routes, r) {
		t.rec.Routes = append(t.rec.Routes, r)
		if err := t.save(); err != nil {
			return err
		}
	}
	nr, err := t.netlinkRoute(r)
	if err == nil {
		err = t.net.kernel.RouteReplace(nr)
	}
	if err != nil {
		return fmt.Errorf("route %s %s table %d: %w", r.Type, r.Dst, r.Table, err)
	}
	return nil
}

func (t *Tunnel) netlinkRoute(r routeSpec) (*netlink.Route, error) {
	index := 0
	if r.Dev != "" {
		link, err := t.net.kernel.LinkByName(r.Dev)
		if err != nil {
			return nil, err
		}
		index = link.Attrs().Index
	}
	return r.netlink(index)
}

// addRule adds r unless the kernel already has it: unlike routes, rules
// have no replace, and an identical rule is refused with EEXIST.
func (t *Tunnel) addRule(r ruleSpec) error {
	if !slices.Contains(t.rec.Rules, r) {
		t.rec.Rules = append(t.rec.Rules, r)
		if err := t.save(); err != nil {
			return err
		}
	}
	if err := t.net.kernel.RuleAdd(r.netlink()); err != nil && !isExist(err) {
		return fmt.Errorf("rule table %d priority %d: %w", r.Table, r.Priority, err)
	}
	return nil
}

func (t *Tunnel) delAddr(a addrSpec) error {
	link, err := t.net.kernel.LinkByName(a.Dev)
	if err == nil {
		err = t.net.kernel.AddrDel(link, a.netlink())
	}
	if err != nil && !isGone(err) {
		return fmt.Errorf("remove address %s from %s: %w", a.Prefix, a.Dev, err)
	}
	t.forgetAddr(a)
	return t.save()
}

func (t *Tunnel) delRoute(r routeSpec) error {
	nr, err := t.netlinkRoute(r)
	if err == nil {
		err = t.net.kernel.RouteDel(nr)
	}
	if err != nil && !isGone(err) {
		return fmt.Errorf("remove route %s %s table %d: %w", r.Type, r.Dst, r.Table, err)
	}
	t.forgetRoute(r)
	return t.save()
}

func (t *Tunnel) delRule(r ruleSpec) error {
	if err := t.net.kernel.RuleDel(r.netlink()); err != nil && !isGone(err) {
		return fmt.Errorf("remove rule table %d priority %d: %w", r.Table, r.Priority, err)
	}
	t.forgetRule(r)
	return t.save()
}

// Links implements platform.Tunnel.
func (t *Tunnel) Links() []platform.Link {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.dev == nil {
		return nil
	}
	addrs := make([]netip.Prefix, 0, len(t.rec.Addrs))
	for _, a := range t.rec.Addrs {
		addrs = append(addrs, a.Prefix)
	}
	return []platform.Link{{Name: t.rec.Device, Addrs: addrs, Device: t.dev}}
}

// SharedDevice implements platform.SharedDeviceTunnel: the one device
// lives from the first Set to Close.
func (t *Tunnel) SharedDevice() platform.Device {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.dev == nil {
		return nil
	}
	return t.dev
}

// Close implements platform.Tunnel.
func (t *Tunnel) Close() error {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.closed {
		return nil
	}
	t.closed = true
	defer t.net.release(t.name)
	return t.teardown()
}

// teardown removes everything in the record, DNS first (resolved needs the
// link to revert it), then rules, routes, addresses and the device, and
// deletes the record once it is empty. It serves both Close and recovery;
// in recovery the device is no longer held, so only a stray one is
// deleted, and whatever a live Tunnel holds is skipped.
func (t *Tunnel) teardown() error {
	var errs []error
	if d := t.rec.DNS; d != nil {
		var err error
		if d.Mode != dnsModeResolved || !t.isLiveDev(d.Link) {
			err = t.net.dns.revert(t.name, d)
		}
		if err != nil && d.Mode == dnsModeResolved && !t.linkExists(d.Link) {
			// resolved forgets a link's settings when the link goes.
			err = nil
		}
		if err == nil {
			t.rec.DNS = nil
			err = t.save()
		}
		errs = append(errs, err)
	}
	for _, r := range slices.Clone(t.rec.Rules) {
		if t.live != nil && t.live.rules[r] {
			t.forgetRule(r)
			continue
		}
		errs = append(errs, t.delRule(r))
	}
	for _, r := range slices.Clone(t.rec.Routes) {
		if (t.live != nil && t.live.routes[r]) || t.isLiveDev(r.Dev) || (r.Dev != "" && !t.linkExists(r.Dev)) {
			// Someone else's now, or removed by the kernel with its
			// device.
			t.forgetRoute(r)
			continue
		}
		errs = append(errs, t.delRoute(r))
	}
	for _, a := range slices.Clone(t.rec.Addrs) {
		if t.isLiveDev(a.Dev) {
			t.forgetAddr(a)
			continue
		}
		errs = append(errs, t.delAddr(a))
	}
	if t.dev != nil {
		errs = append(errs, t.dev.Close())
		t.dev = nil
	} else if t.rec.Device != "" && !t.isLiveDev(t.rec.Device) {
		if link, err := t.net.kernel.LinkByName(t.rec.Device); err == nil {
			if err := t.net.kernel.LinkDel(link); err != nil && !isGone(err) {
				errs = append(errs, fmt.Errorf("remove tun %s: %w", t.rec.Device, err))
			}
		}
	}
	if err := errors.Join(errs...); err != nil {
		return errors.Join(err, t.save())
	}
	return statefile.Remove(t.path)
}

// isLiveDev reports whether dev belongs to an open Tunnel while a stale
// record is undone.
func (t *Tunnel) isLiveDev(dev string) bool {
	return t.live != nil && dev != "" && t.live.devs[dev]
}

func (t *Tunnel) forgetRule(r ruleSpec) {
	t.rec.Rules = slices.DeleteFunc(t.rec.Rules, func(x ruleSpec) bool { return x == r })
}

func (t *Tunnel) forgetRoute(r routeSpec) {
	t.rec.Routes = slices.DeleteFunc(t.rec.Routes, func(x routeSpec) bool { return x == r })
}

func (t *Tunnel) forgetAddr(a addrSpec) {
	t.rec.Addrs = slices.DeleteFunc(t.rec.Addrs, func(x addrSpec) bool { return x == a })
}

func (t *Tunnel) linkExists(name string) bool {
	_, err := t.net.kernel.LinkByName(name)
	return err == nil
}
