package platformtest

import (
	"fmt"
	"net/netip"
	"slices"

	"github.com/espressovpn/espresso/platform"
)

// Tunnel is a fake platform.Tunnel. Its methods lock the Network it came
// from.
type Tunnel struct {
	net    *Network
	name   string
	closed bool
	links  []platform.Link
}

var _ platform.Tunnel = (*Tunnel)(nil)

// Set implements platform.Tunnel: it validates cfg as every implementation
// does, records it and installs it on the fake system.
func (t *Tunnel) Set(cfg *platform.Config) error {
	n := t.net
	n.mu.Lock()
	defer n.mu.Unlock()
	c := cloneConfig(cfg)
	if t.closed {
		return n.recordErr(Op{Kind: OpSet, Tunnel: t.name, Config: &c}, platform.ErrClosed)
	}
	if err := cfg.Validate(); err != nil {
		return n.recordErr(Op{Kind: OpSet, Tunnel: t.name, Config: &c}, err)
	}
	if err := n.record(Op{Kind: OpSet, Tunnel: t.name, Config: &c}); err != nil {
		return err
	}
	c = c.WithDefaults()
	t.syncLinks(c.VirtualIPs)
	n.installed[t.name] = c
	return nil
}

// recordErr records op as failed with err, which it returns.
func (n *Network) recordErr(op Op, err error) error {
	op.Err = err
	n.ops = append(n.ops, op)
	return err
}

// syncLinks makes the device list match vips: one shared device, or one
// per virtual IP (and one without address when there is none).
func (t *Tunnel) syncLinks(vips []netip.Prefix) {
	n := t.net
	if !n.PerVIPDevices {
		if len(t.links) == 0 {
			t.links = []platform.Link{t.newLink()}
		}
		t.links[0].Addrs = slices.Clone(vips)
		return
	}
	want := vips
	if len(want) == 0 {
		want = []netip.Prefix{{}}
	}
	var kept []platform.Link
	for _, l := range t.links {
		var a netip.Prefix
		if len(l.Addrs) > 0 {
			a = l.Addrs[0]
		}
		if slices.Contains(want, a) {
			kept = append(kept, l)
			continue
		}
		l.Device.(*Device).Close()
	}
	for _, v := range want {
		if slices.ContainsFunc(kept, func(l platform.Link) bool {
			return (len(l.Addrs) == 0 && !v.IsValid()) || (len(l.Addrs) > 0 && l.Addrs[0] == v)
		}) {
			continue
		}
		l := t.newLink()
		if v.IsValid() {
			l.Addrs = []netip.Prefix{v}
		}
		kept = append(kept, l)
	}
	t.links = kept
}

func (t *Tunnel) newLink() platform.Link {
	name := fmt.Sprintf("fake%d", t.net.devSeq)
	t.net.devSeq++
	return platform.Link{Name: name, Device: NewDevice(name)}
}

// Links implements platform.Tunnel.
func (t *Tunnel) Links() []platform.Link {
	t.net.mu.Lock()
	defer t.net.mu.Unlock()
	return slices.Clone(t.links)
}

// Close implements platform.Tunnel: it removes what the tunnel installed
// and closes its devices. A second Close does nothing.
func (t *Tunnel) Close() error {
	n := t.net
	n.mu.Lock()
	defer n.mu.Unlock()
	if t.closed {
		return nil
	}
	if err := n.record(Op{Kind: OpClose, Tunnel: t.name}); err != nil {
		return err
	}
	t.abandon()
	delete(n.installed, t.name)
	delete(n.open, t.name)
	return nil
}

// abandon closes the devices, as the OS does when the process holding them
// dies, and leaves the rest installed.
func (t *Tunnel) abandon() {
	t.closed = true
	for _, l := range t.links {
		l.Device.(*Device).Close()
	}
	t.links = nil
}

func cloneConfig(c *platform.Config) platform.Config {
	out := *c
	out.VirtualIPs = slices.Clone(c.VirtualIPs)
	out.RemoteSelectors = slices.Clone(c.RemoteSelectors)
	out.Exclude = slices.Clone(c.Exclude)
	out.DNS.Servers = slices.Clone(c.DNS.Servers)
	out.DNS.Domains = slices.Clone(c.DNS.Domains)
	return out
}
