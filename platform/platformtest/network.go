// Package platformtest is a recording implementation of the platform
// interfaces for unit tests of the helper: it records every operation in
// order, keeps the state a real system would be left in (including after a
// simulated crash) and can be told to fail any operation.
package platformtest

import (
	"fmt"
	"github.com/espressovpn/espresso/ipsec/socket/sockettest"
	"maps"
	"net/netip"
	"slices"
	"sync"

	"github.com/espressovpn/espresso/ipsec/socket"
	"github.com/espressovpn/espresso/platform"
)

// Operation names, as recorded in Op.Kind and accepted by Network.Fail.
const (
	OpOpen         = "open"
	OpSet          = "set"
	OpClose        = "close"
	OpRecover      = "recover"
	OpRouteTo      = "route-to"
	OpListenUDP    = "listen-udp"
	OpListenRawESP = "listen-raw-esp"
)

// Op is one recorded call.
type Op struct {
	// Kind is one of the Op* constants.
	Kind string
	// Tunnel is the connection name for open, set and close.
	Tunnel string
	// Config is a copy of the Config given to set.
	Config *platform.Config
	// Addr is the destination of route-to, or the local address of a
	// listen.
	Addr netip.AddrPort
	// FwMark is the mark asked for by a listen.
	FwMark uint32
	// Err is what the call returned.
	Err error
}

// String renders an Op for test failure messages.
func (o Op) String() string {
	s := o.Kind
	if o.Tunnel != "" {
		s += " " + o.Tunnel
	}
	if o.Addr.IsValid() {
		s += " " + o.Addr.String()
	}
	if o.Err != nil {
		s += fmt.Sprintf(" (error: %v)", o.Err)
	}
	return s
}

// Network is a fake platform.Network. Its zero value is not usable; call
// NewNetwork.
type Network struct {
	// PerVIPDevices makes tunnels keep one device per virtual IP, as on
	// macOS and FreeBSD, instead of one shared device as on Linux.
	PerVIPDevices bool

	mu        sync.Mutex
	ops       []Op
	fail      map[string]error
	routes    map[netip.Addr]platform.NextHop
	installed map[string]platform.Config // what the "system" holds, by tunnel
	open      map[string]*Tunnel
	devSeq    int
}

var _ platform.Network = (*Network)(nil)

// NewNetwork returns an empty fake system.
func NewNetwork() *Network {
	return &Network{
		fail:      map[string]error{},
		routes:    map[netip.Addr]platform.NextHop{},
		installed: map[string]platform.Config{},
		open:      map[string]*Tunnel{},
	}
}

// Fail makes every later call of kind return err, until Fail(kind, nil).
func (n *Network) Fail(kind string, err error) {
	n.mu.Lock()
	defer n.mu.Unlock()
	if err == nil {
		delete(n.fail, kind)
		return
	}
	n.fail[kind] = err
}

// SetRoute makes RouteTo(dst) report hop.
func (n *Network) SetRoute(dst netip.Addr, hop platform.NextHop) {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.routes[dst] = hop
}

// Ops returns the calls recorded so far, in order.
func (n *Network) Ops() []Op {
	n.mu.Lock()
	defer n.mu.Unlock()
	return slices.Clone(n.ops)
}

// Kinds returns the Kind of every recorded call, in order, which is what
// most tests compare.
func (n *Network) Kinds() []string {
	n.mu.Lock()
	defer n.mu.Unlock()
	out := make([]string, len(n.ops))
	for i, o := range n.ops {
		out[i] = o.Kind
	}
	return out
}

// Installed returns the Config each tunnel has left on the fake system, by
// connection name; an empty map means the system is clean.
func (n *Network) Installed() map[string]platform.Config {
	n.mu.Lock()
	defer n.mu.Unlock()
	return maps.Clone(n.installed)
}

// Crash simulates the helper dying: every open tunnel is forgotten without
// being closed, so what it installed stays until Recover.
func (n *Network) Crash() {
	n.mu.Lock()
	defer n.mu.Unlock()
	for name, t := range n.open {
		t.abandon()
		delete(n.open, name)
	}
}

// record appends an Op, applying a configured failure, and returns the
// error the call must return.
func (n *Network) record(op Op) error {
	op.Err = n.fail[op.Kind]
	n.ops = append(n.ops, op)
	return op.Err
}

// Open implements platform.Network.
func (n *Network) Open(name string) (platform.Tunnel, error) {
	n.mu.Lock()
	defer n.mu.Unlock()
	if err := n.record(Op{Kind: OpOpen, Tunnel: name}); err != nil {
		return nil, err
	}
	if _, busy := n.open[name]; busy {
		return nil, fmt.Errorf("platformtest: tunnel %q already open", name)
	}
	t := &Tunnel{net: n, name: name}
	n.open[name] = t
	return t, nil
}

// Recover implements platform.Network: it removes what tunnels that are no
// longer open left installed.
func (n *Network) Recover() error {
	n.mu.Lock()
	defer n.mu.Unlock()
	if err := n.record(Op{Kind: OpRecover}); err != nil {
		return err
	}
	for name := range n.installed {
		if _, live := n.open[name]; !live {
			delete(n.installed, name)
		}
	}
	return nil
}

// RouteTo implements platform.Network with the routes given to SetRoute.
func (n *Network) RouteTo(dst netip.Addr) (platform.NextHop, error) {
	n.mu.Lock()
	defer n.mu.Unlock()
	if err := n.record(Op{Kind: OpRouteTo, Addr: netip.AddrPortFrom(dst, 0)}); err != nil {
		return platform.NextHop{}, err
	}
	hop, ok := n.routes[dst]
	if !ok {
		return platform.NextHop{}, fmt.Errorf("platformtest: no route to %s", dst)
	}
	return hop, nil
}

// ListenUDP implements platform.Network with an in-memory Transport.
func (n *Network) ListenUDP(cfg platform.UDPConfig) (socket.Transport, error) {
	n.mu.Lock()
	defer n.mu.Unlock()
	if err := n.record(Op{Kind: OpListenUDP, Addr: cfg.Addr, FwMark: cfg.FwMark}); err != nil {
		return nil, err
	}
	return sockettest.NewTransport(cfg.Addr), nil
}

// ListenRawESP implements platform.Network with an in-memory Transport.
func (n *Network) ListenRawESP(cfg platform.RawESPConfig) (socket.Transport, error) {
	n.mu.Lock()
	defer n.mu.Unlock()
	if err := n.record(Op{Kind: OpListenRawESP, Addr: netip.AddrPortFrom(cfg.Local, 0), FwMark: cfg.FwMark}); err != nil {
		return nil, err
	}
	return sockettest.NewTransport(netip.AddrPortFrom(cfg.Local, 0)), nil
}
