package linux

import (
	"errors"
	"fmt"
	"net/netip"
	"os"
	"sync"

	"github.com/espressovpn/espresso/ipsec/socket"
	"github.com/espressovpn/espresso/platform"
	"golang.zx2c4.com/wireguard/tun"
)

// Network is the Linux platform.Network. Its netlink calls go to the
// network namespace of the calling thread.
type Network struct {
	opts      Options
	kernel    kernel
	createTUN tunFactory
	dns       *dnsManager

	mu     sync.Mutex
	open   map[string]bool   // tunnel names with an open Tunnel
	live   map[string]record // the latest record of each open Tunnel
	tables map[string]int    // the routing table of each open Tunnel
}

var _ platform.Network = (*Network)(nil)

// tunDevice is a TUN device as the Tunnel holds it.
type tunDevice interface {
	platform.Device
	Close() error
}

// tunFactory creates a TUN device from a name pattern and returns it with
// the name the kernel chose.
type tunFactory func(pattern string, mtu int) (tunDevice, string, error)

// createWireguardTUN creates the device with golang.zx2c4.com/wireguard/tun,
// which enables the kernel's TCP and UDP segmentation offloads and batches
// writes through them, and reads it in batches (BatchReads).
func createWireguardTUN(pattern string, mtu int) (tunDevice, string, error) {
	dev, err := tun.CreateTUN(pattern, mtu)
	if err != nil {
		return nil, "", err
	}
	name, err := dev.Name()
	if err != nil {
		dev.Close()
		return nil, "", err
	}
	batched, err := BatchReads(dev)
	if err != nil {
		dev.Close()
		return nil, "", err
	}
	return batched, name, nil
}

// New returns the Linux Network keeping its records in opts.StateDir.
func New(opts Options) (*Network, error) {
	return newNetwork(opts, netlinkKernel{}, createWireguardTUN)
}

func newNetwork(opts Options, k kernel, f tunFactory) (*Network, error) {
	if opts.StateDir == "" {
		return nil, &platform.ConfigError{Field: "state dir", Reason: "required"}
	}
	if err := os.MkdirAll(opts.StateDir, 0o700); err != nil {
		return nil, fmt.Errorf("state dir: %w", err)
	}
	opts = opts.withDefaults()
	return &Network{
		opts:      opts,
		kernel:    k,
		createTUN: f,
		dns: &dnsManager{
			mode:       opts.DNS,
			resolvConf: opts.ResolvConf,
			stateDir:   opts.StateDir,
			runner:     opts.Runner,
		},
		open:   map[string]bool{},
		live:   map[string]record{},
		tables: map[string]int{},
	}, nil
}

// Open implements platform.Network. A record left for name by a crashed
// run is undone first, so the new Tunnel starts from a clean system.
func (n *Network) Open(name string) (platform.Tunnel, error) {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.open[name] {
		return nil, fmt.Errorf("tunnel %q is already open", name)
	}
	path := tunnelRecords.Path(n.opts.StateDir, name)
	if _, err := os.Stat(path); err == nil {
		if err := n.recoverOne(path); err != nil {
			return nil, fmt.Errorf("clean up after earlier run of %q: %w", name, err)
		}
	}
	n.open[name] = true
	n.tables[name] = n.freeTableLocked()
	return &Tunnel{net: n, name: name, path: path, rec: record{Tunnel: name}, table: n.tables[name]}, nil
}

// freeTableLocked returns the first routing table from
// platform.DefaultTable on that no open Tunnel uses. Each connection has
// a table of its own, selected by a rule of its own, so that bringing
// one down removes only its routes and its rule. The caller holds n.mu.
func (n *Network) freeTableLocked() int {
	used := map[int]bool{}
	for _, t := range n.tables {
		used[t] = true
	}
	t := platform.DefaultTable
	for used[t] {
		t++
	}
	return t
}

// publish keeps a copy of an open Tunnel's record, so that undoing a stale
// record leaves alone what a live Tunnel holds: the kernel reuses the name
// of a device that vanished in a crash, and two connections may share a
// rule.
func (n *Network) publish(r *record) {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.open[r.Tunnel] {
		n.live[r.Tunnel] = r.clone()
	}
}

func (n *Network) release(name string) {
	n.mu.Lock()
	defer n.mu.Unlock()
	delete(n.open, name)
	delete(n.live, name)
	delete(n.tables, name)
}

// liveObjects collects what open Tunnels hold. The caller holds n.mu.
func (n *Network) liveObjects() *liveSet {
	l := &liveSet{
		devs:   map[string]bool{},
		addrs:  map[addrSpec]bool{},
		routes: map[routeSpec]bool{},
		rules:  map[ruleSpec]bool{},
	}
	for _, r := range n.live {
		l.devs[r.Device] = true
		for _, a := range r.Addrs {
			l.addrs[a] = true
		}
		for _, x := range r.Routes {
			l.routes[x] = true
		}
		for _, x := range r.Rules {
			l.rules[x] = true
		}
	}
	return l
}

// liveSet is what open Tunnels hold, which recovery must not remove.
type liveSet struct {
	devs   map[string]bool
	addrs  map[addrSpec]bool
	routes map[routeSpec]bool
	rules  map[ruleSpec]bool
}

// Recover implements platform.Network: it undoes every record in the state
// directory that no open Tunnel owns.
func (n *Network) Recover() error {
	paths, err := tunnelRecords.List(n.opts.StateDir)
	if err != nil {
		return err
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	var errs []error
	for _, p := range paths {
		r, err := loadRecord(p)
		if err == nil && n.open[r.Tunnel] {
			continue
		}
		if err := n.recoverOne(p); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// recoverOne undoes the record at path and deletes it once everything in it
// is gone.
func (n *Network) recoverOne(path string) error {
	r, err := loadRecord(path)
	if err != nil {
		return err
	}
	t := &Tunnel{net: n, name: r.Tunnel, path: path, rec: *r, live: n.liveObjects()}
	if err := t.teardown(); err != nil {
		return fmt.Errorf("recover %q: %w", r.Tunnel, err)
	}
	return nil
}

// RouteTo implements platform.Network with the kernel's route lookup
// (RTM_GETROUTE), which applies the policy rules as a packet would.
func (n *Network) RouteTo(dst netip.Addr) (platform.NextHop, error) {
	routes, err := n.kernel.RouteGet(dst.Unmap().AsSlice())
	if err != nil {
		return platform.NextHop{}, fmt.Errorf("route to %s: %w", dst, err)
	}
	if len(routes) == 0 {
		return platform.NextHop{}, fmt.Errorf("route to %s: none", dst)
	}
	r := routes[0]
	var hop platform.NextHop
	if gw, ok := netip.AddrFromSlice(r.Gw); ok {
		hop.Gateway = gw.Unmap()
	}
	if src, ok := netip.AddrFromSlice(r.Src); ok {
		hop.Source = src.Unmap()
	}
	link, err := n.kernel.LinkByIndex(r.LinkIndex)
	if err != nil {
		return platform.NextHop{}, fmt.Errorf("route to %s: interface %d: %w", dst, r.LinkIndex, err)
	}
	hop.Interface = link.Attrs().Name
	return hop, nil
}

// ListenUDP implements platform.Network with platform.ListenUDP, whose
// batches use recvmmsg and sendmmsg here.
func (n *Network) ListenUDP(cfg platform.UDPConfig) (socket.Transport, error) {
	return platform.ListenUDP(cfg)
}

// ListenRawESP implements platform.Network.
func (n *Network) ListenRawESP(cfg platform.RawESPConfig) (socket.Transport, error) {
	return listenRawESP(cfg)
}
