package bsd

import (
	"errors"
	"fmt"
	"net/netip"
	"slices"

	"github.com/espressovpn/espresso/platform"
	"github.com/espressovpn/espresso/platform/internal/statefile"
)

// ErrAddressNotReported is returned when the kernel neither announced a
// new virtual IP (RTM_NEWADDR) within Options.AddressTimeout nor lists it
// on the device afterwards: routes through the device would have no
// source address, so Set stops there.
var ErrAddressNotReported = errors.New("kernel did not report the new address")

// syncLinks makes the devices match c's virtual IPs: one device per
// virtual IP, or one bare device when there is none. Devices whose virtual
// IP went away lose their routes and are closed first; new ones are
// created, given their address, and waited for.
func (t *Tunnel) syncLinks(c *platform.Config) error {
	want := slices.Compact(slices.Clone(c.VirtualIPs))
	if len(want) == 0 {
		want = []netip.Prefix{{}}
	}
	var kept []*link
	for _, l := range t.links {
		if slices.Contains(want, l.vip) {
			kept = append(kept, l)
			continue
		}
		if err := t.dropLink(l); err != nil {
			t.links = append(kept, t.links[len(kept):]...)
			return err
		}
	}
	t.links = kept
	if t.mtu != 0 && t.mtu != c.MTU {
		for _, l := range t.links {
			if err := t.net.k.ioctl(mtuRequest(l.dev.Name(), c.MTU)); err != nil {
				return fmt.Errorf("set mtu of %s: %w", l.dev.Name(), err)
			}
		}
	}
	t.mtu = c.MTU
	for _, v := range want {
		if slices.ContainsFunc(t.links, func(l *link) bool { return l.vip == v }) {
			continue
		}
		l, err := t.addLink(v, c.MTU)
		if err != nil {
			return err
		}
		t.links = append(t.links, l)
	}
	// Keep the order of the virtual IPs, so the first device (the one DNS
	// settings belong to) does not depend on history.
	slices.SortStableFunc(t.links, func(a, b *link) int {
		return slices.Index(want, a.vip) - slices.Index(want, b.vip)
	})
	return nil
}

// addLink creates a device and puts vip on it.
func (t *Tunnel) addLink(vip netip.Prefix, mtu int) (*link, error) {
	dev, err := t.net.k.createTUN(t.net.opts.TUNName, mtu)
	if err != nil {
		return nil, fmt.Errorf("create tun: %w", err)
	}
	t.rec.Devices = append(t.rec.Devices, deviceRecord{Name: dev.Name(), Addr: vip})
	l := &link{vip: vip, dev: dev}
	if err := statefile.Save(t.path, &t.rec); err != nil {
		t.dropLink(l)
		return nil, err
	}
	if vip.IsValid() {
		if err := t.net.addAddress(dev, vip); err != nil {
			t.dropLink(l)
			return nil, err
		}
	}
	return l, nil
}

// dropLink deletes the routes through l's device, closes it and drops it
// from the record.
func (t *Tunnel) dropLink(l *link) error {
	name := l.dev.Name()
	var keep []routeSpec
	for _, r := range t.rec.Routes {
		if !r.Gateway.IsValid() && r.Dev == name {
			continue
		}
		keep = append(keep, r)
	}
	if err := t.syncRoutes(keep); err != nil {
		return err
	}
	if err := l.dev.Close(); err != nil {
		return fmt.Errorf("close %s: %w", name, err)
	}
	t.rec.Devices = slices.DeleteFunc(t.rec.Devices, func(d deviceRecord) bool { return d.Name == name })
	return statefile.Save(t.path, &t.rec)
}

// addAddress puts vip on dev and waits until the kernel reports it: the
// routing socket is opened before the ioctl so the RTM_NEWADDR cannot be
// missed, and when it does not come in time (strongSwan's backend saw it go
// missing on macOS 12) the device's address list decides.
func (n *Network) addAddress(dev tunDevice, vip netip.Prefix) error {
	s, err := n.k.openRouteSocket()
	if err != nil {
		return fmt.Errorf("route socket: %w", err)
	}
	defer s.Close()
	if err := n.k.ioctl(n.opts.Layout.addressRequest(dev.Name(), vip)); err != nil {
		return fmt.Errorf("add %s to %s: %w", vip, dev.Name(), err)
	}
	if err := s.SetReadDeadline(n.opts.Now().Add(n.opts.AddressTimeout)); err != nil {
		return err
	}
	want := vip.Addr().Unmap()
	buf := make([]byte, 2048)
	for range maxReplies {
		k, err := s.Read(buf)
		if err != nil {
			break
		}
		idx, a, err := n.opts.Layout.parseAddrMsg(buf[:k])
		if err == nil && int(idx) == dev.Index() && a == want {
			return nil
		}
	}
	addrs, _, err := n.k.interfaceAddrs(dev.Name())
	if err == nil && slices.Contains(addrs, want) {
		return nil
	}
	return fmt.Errorf("add %s to %s: %w", vip, dev.Name(), ErrAddressNotReported)
}
