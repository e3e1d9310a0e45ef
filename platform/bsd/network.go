package bsd

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/espressovpn/espresso/ipsec/socket"
	"github.com/espressovpn/espresso/platform"
	"github.com/espressovpn/espresso/platform/internal/statefile"
)

// Options configure a Network.
type Options struct {
	// StateDir holds the crash records. Required.
	StateDir string
	// Layout is the kernel ABI of the running OS.
	Layout Layout
	// TUNName is the name given to the TUN driver for each new device:
	// "utun" on macOS picks the next free utunN; "" on FreeBSD keeps the
	// tunN the clone device assigns.
	TUNName string
	// DNS applies resolver settings. Required.
	DNS DNS
	// DestroyStale makes Recover destroy the TUN devices a crashed helper
	// left behind. FreeBSD needs it: its tun interfaces outlive the
	// process that opened them, where macOS removes a utun with its
	// descriptor.
	DestroyStale bool
	// AddressTimeout bounds the wait for the kernel to report a new
	// address (RTM_NEWADDR); default 5s.
	AddressTimeout time.Duration
	// Now is the clock the timeouts are measured on; default time.Now.
	Now func() time.Time
}

// Network implements platform.Network on macOS and FreeBSD.
type Network struct {
	opts Options
	k    kernel
	pid  int32
	seq  atomic.Int32

	mu   sync.Mutex
	open map[string]*Tunnel
}

var _ platform.Network = (*Network)(nil)

// New returns the Network of the running OS, which must be macOS or
// FreeBSD; elsewhere it reports platform.ErrUnsupported.
func New(opts Options) (*Network, error) {
	k, err := newOSKernel(opts.Layout)
	if err != nil {
		return nil, err
	}
	return newNetwork(opts, k)
}

func newNetwork(opts Options, k kernel) (*Network, error) {
	if opts.StateDir == "" {
		return nil, &platform.ConfigError{Field: "state_dir", Reason: "required"}
	}
	if opts.DNS == nil {
		return nil, &platform.ConfigError{Field: "dns", Reason: "no DNS mechanism"}
	}
	if opts.AddressTimeout == 0 {
		opts.AddressTimeout = 5 * time.Second
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if err := os.MkdirAll(opts.StateDir, 0o700); err != nil {
		return nil, fmt.Errorf("state dir: %w", err)
	}
	return &Network{opts: opts, k: k, pid: int32(os.Getpid()), open: map[string]*Tunnel{}}, nil
}

// Open implements platform.Network.
func (n *Network) Open(name string) (platform.Tunnel, error) {
	n.mu.Lock()
	defer n.mu.Unlock()
	if _, busy := n.open[name]; busy {
		return nil, fmt.Errorf("tunnel %q already open", name)
	}
	t := &Tunnel{net: n, name: name, path: tunnelRecords.Path(n.opts.StateDir, name), foreign: map[routeSpec]bool{}}
	t.rec.Tunnel = name
	n.open[name] = t
	return t, nil
}

func (n *Network) forget(name string) {
	n.mu.Lock()
	defer n.mu.Unlock()
	delete(n.open, name)
}

// Recover implements platform.Network: for every record of a tunnel that
// is not open in this process it removes the DNS settings, the routes and
// (where the OS keeps them) the devices, then the record. A record whose
// undo fails stays for the next Recover.
func (n *Network) Recover() error {
	paths, err := tunnelRecords.List(n.opts.StateDir)
	if err != nil {
		return fmt.Errorf("recover: %w", err)
	}
	var errs []error
	for _, p := range paths {
		r, err := loadRecord(p)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		n.mu.Lock()
		_, live := n.open[r.Tunnel]
		n.mu.Unlock()
		if live {
			continue
		}
		if err := n.undo(r); err != nil {
			errs = append(errs, fmt.Errorf("recover %q: %w", r.Tunnel, err))
			continue
		}
		if err := statefile.Remove(p); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// undo removes what r lists, tunnel routes before exclusions.
func (n *Network) undo(r *record) error {
	var errs []error
	if r.DNS != nil {
		if err := n.opts.DNS.Remove(context.Background(), r.DNS); err != nil {
			errs = append(errs, fmt.Errorf("dns: %w", err))
		}
	}
	for _, excl := range []bool{false, true} {
		for _, rt := range r.Routes {
			if rt.Exclusion == excl {
				if err := n.writeRoute(rtmDelete, rt); err != nil && !isGone(err) {
					errs = append(errs, err)
				}
			}
		}
	}
	if n.opts.DestroyStale {
		for _, d := range r.Devices {
			if err := n.destroyStale(d); err != nil {
				errs = append(errs, err)
			}
		}
	}
	return errors.Join(errs...)
}

// destroyStale destroys a device a crashed helper left, unless another
// program has taken the name since: the device is ours if it still holds
// the recorded virtual IP, or holds no address at all, as a tun whose
// descriptor was closed does.
func (n *Network) destroyStale(d deviceRecord) error {
	addrs, ok, err := n.k.interfaceAddrs(d.Name)
	if err != nil || !ok {
		return err
	}
	mine := len(addrs) == 0
	for _, a := range addrs {
		if d.Addr.IsValid() && a == d.Addr.Addr() {
			mine = true
		}
	}
	if !mine {
		return nil
	}
	if err := n.k.destroyInterface(d.Name); err != nil && !isGone(err) {
		return fmt.Errorf("destroy %s: %w", d.Name, err)
	}
	return nil
}

// RouteTo implements platform.Network with an RTM_GET query.
func (n *Network) RouteTo(dst netip.Addr) (platform.NextHop, error) {
	h, err := n.routeGet(dst)
	if err != nil {
		return platform.NextHop{}, err
	}
	return platform.NextHop{Gateway: h.Gateway, Interface: h.Dev, Source: h.Source}, nil
}

// maxReplies bounds how many unrelated messages a wait for our reply
// reads: a routing socket sees every change on the system.
const maxReplies = 1000

func (n *Network) routeGet(dst netip.Addr) (hop, error) {
	m, err := n.routeGetMsg(dst)
	if err != nil {
		return hop{}, err
	}
	h, err := n.opts.Layout.parseGetReply(m)
	if err != nil {
		return hop{}, fmt.Errorf("route get %s: %w", dst, err)
	}
	return h, nil
}

// routeGetMsg sends an RTM_GET for dst and returns the kernel's reply,
// recognised by our pid and the query's sequence number.
func (n *Network) routeGetMsg(dst netip.Addr) (*routeMsg, error) {
	s, err := n.k.openRouteSocket()
	if err != nil {
		return nil, fmt.Errorf("route socket: %w", err)
	}
	defer s.Close()
	seq := n.seq.Add(1)
	if _, err := s.Write(n.opts.Layout.getMessage(dst, n.pid, seq)); err != nil {
		return nil, fmt.Errorf("route get %s: %w", dst, err)
	}
	if err := s.SetReadDeadline(n.opts.Now().Add(n.opts.AddressTimeout)); err != nil {
		return nil, err
	}
	buf := make([]byte, 2048)
	for range maxReplies {
		k, err := s.Read(buf)
		if err != nil {
			return nil, fmt.Errorf("route get %s: %w", dst, err)
		}
		m, err := n.opts.Layout.parseRouteMsg(buf[:k])
		if err != nil || m.typ != rtmGet || m.pid != n.pid || m.seq != seq {
			continue
		}
		return m, nil
	}
	return nil, fmt.Errorf("route get %s: no reply", dst)
}

// writeRoute sends one RTM_ADD or RTM_DELETE for r; the kernel answers
// the write itself with the error.
func (n *Network) writeRoute(typ uint8, r routeSpec) error {
	if err := n.writeMsg(n.opts.Layout.routeMessage(typ, r, n.pid, n.seq.Add(1))); err != nil {
		verb := "add"
		if typ == rtmDelete {
			verb = "delete"
		}
		return fmt.Errorf("route %s %s: %w", verb, r.Dst, err)
	}
	return nil
}

// writeMsg writes one routing message on a socket of its own.
func (n *Network) writeMsg(b []byte) error {
	s, err := n.k.openRouteSocket()
	if err != nil {
		return fmt.Errorf("route socket: %w", err)
	}
	defer s.Close()
	_, err = s.Write(b)
	return err
}

// ListenUDP implements platform.Network. Socket marks are Linux's, so a
// mark is refused.
func (n *Network) ListenUDP(cfg platform.UDPConfig) (socket.Transport, error) {
	if cfg.FwMark != 0 {
		return nil, fmt.Errorf("fwmark: %w", platform.ErrUnsupported)
	}
	return platform.ListenUDP(cfg)
}

// ListenRawESP implements platform.Network: raw protocol-50 sockets are
// Linux-only in Espresso, so ESP is UDP-encapsulated (RFC 3948) here.
func (n *Network) ListenRawESP(platform.RawESPConfig) (socket.Transport, error) {
	return nil, fmt.Errorf("raw esp: %w", platform.ErrUnsupported)
}

// Survey implements platform.Surveyor: the addresses of the interfaces
// other than the helper's utun or tun devices. Neither macOS nor FreeBSD
// is asked for DNS domains or the gateway's link-layer address.
func (n *Network) Survey() (platform.Surroundings, error) {
	as, err := platform.InterfaceAddrs(func(i int, _ string) bool { return n.ownsIndex(i) })
	return platform.Surroundings{Addrs: as}, err
}
