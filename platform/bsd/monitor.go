package bsd

import (
	"encoding/binary"
	"errors"
	"slices"
	"sync"
	"syscall"
	"time"

	"github.com/espressovpn/espresso/platform"
)

// Routing message types a Monitor reads besides those the package sends
// (net/route.h; the same on macOS and FreeBSD).
const (
	rtmChange  = 0x3
	rtmDelAddr = 0xd
	rtmIfInfo  = 0xe
)

// if_msghdr and ifa_msghdr share these offsets on both systems.
const (
	offIfmFlags = 8
	offIfmIndex = 12
)

// Interface flags (net/if.h), the same on both systems.
const (
	iffUp      = 0x1
	iffRunning = 0x40
)

// MonitorOptions tune a Monitor; the zero value takes the defaults of
// platform.NewDebouncer and platform.NewWakeDetector.
type MonitorOptions struct {
	// Settle and MaxDelay configure the Debouncer.
	Settle, MaxDelay time.Duration
	// WakeInterval and WakeThreshold configure the WakeDetector.
	WakeInterval, WakeThreshold time.Duration
}

// Monitor is the macOS and FreeBSD platform.Monitor: it reads every
// message of a PF_ROUTE socket (route(4)), keeps those about default
// routes, addresses and interface state that do not concern the helper's
// own TUN devices or come from its own route writes, and merges them with
// a platform.Debouncer, together with a platform.WakeDetector. Its reader
// goroutine ends in Close, which closes the socket.
type Monitor struct {
	layout Layout
	pid    int32
	own    func(index int) bool

	sock routeSocket
	deb  *platform.Debouncer
	wake *platform.WakeDetector
	done chan struct{}
	once sync.Once

	// links is each interface's last "up with carrier", by index; only
	// the reader goroutine touches it.
	links map[uint16]bool
}

var _ platform.Monitor = (*Monitor)(nil)

// Monitor starts watching the routing socket.
func (n *Network) Monitor(opts MonitorOptions) (*Monitor, error) {
	s, err := n.k.openRouteSocket()
	if err != nil {
		return nil, err
	}
	return newMonitor(n.opts.Layout, n.pid, n.ownsIndex, s, opts), nil
}

func newMonitor(l Layout, pid int32, own func(int) bool, s routeSocket, opts MonitorOptions) *Monitor {
	m := &Monitor{
		layout: l,
		pid:    pid,
		own:    own,
		sock:   s,
		deb:    platform.NewDebouncer(opts.Settle, opts.MaxDelay),
		done:   make(chan struct{}),
		links:  map[uint16]bool{},
	}
	m.wake = platform.NewWakeDetector(opts.WakeInterval, opts.WakeThreshold, func(time.Duration) {
		m.deb.Note(platform.ChangeWake)
	})
	go m.run()
	return m
}

// ownsIndex reports whether the interface with index i is a TUN device of
// an open Tunnel. The tunnels are collected first and locked one by one,
// as a Tunnel locks the Network while holding its own lock.
func (n *Network) ownsIndex(i int) bool {
	n.mu.Lock()
	tunnels := make([]*Tunnel, 0, len(n.open))
	for _, t := range n.open {
		tunnels = append(tunnels, t)
	}
	n.mu.Unlock()
	for _, t := range tunnels {
		t.mu.Lock()
		owned := slices.ContainsFunc(t.links, func(l *link) bool { return l.dev.Index() == i })
		t.mu.Unlock()
		if owned {
			return true
		}
	}
	return false
}

func (m *Monitor) run() {
	defer close(m.done)
	buf := make([]byte, 4096)
	for {
		n, err := m.sock.Read(buf)
		if errors.Is(err, syscall.ENOBUFS) {
			// The kernel dropped messages for a full buffer: something
			// changed, nobody knows what.
			m.deb.Note(platform.ChangeRoute | platform.ChangeAddress | platform.ChangeLink)
			continue
		}
		if err != nil {
			// Closed by Close, or broken: either way nothing more
			// comes. Changes stays open until Close.
			return
		}
		m.deb.Note(m.classify(buf[:n]))
	}
}

// classify returns the change one routing message reports, if any.
func (m *Monitor) classify(b []byte) platform.Change {
	_, typ, err := msgHeader(b)
	if err != nil {
		return 0
	}
	switch typ {
	case rtmAdd, rtmDelete, rtmChange:
		r, err := m.layout.parseRouteMsg(b)
		if err != nil || r.pid == m.pid || !isDefaultRoute(r) {
			return 0
		}
		if r.index != 0 && m.own(int(r.index)) {
			return 0
		}
		return platform.ChangeRoute
	case rtmNewAddr, rtmDelAddr:
		if len(b) < m.layout.IfaMsghdrLen {
			return 0
		}
		ne := binary.NativeEndian
		index := ne.Uint16(b[offIfmIndex:])
		if m.own(int(index)) {
			return 0
		}
		sas, err := m.layout.parseSockaddrs(ne.Uint32(b[offIfaAddrs:]), b[m.layout.IfaMsghdrLen:])
		if err != nil {
			return 0
		}
		// IPv6 link-local addresses come and go with their links.
		if a := sas[5].ip; !a.IsValid() || a.IsLinkLocalUnicast() || a.IsLoopback() {
			return 0
		}
		return platform.ChangeAddress
	case rtmIfInfo:
		if len(b) < offIfmIndex+2 {
			return 0
		}
		ne := binary.NativeEndian
		index := ne.Uint16(b[offIfmIndex:])
		if m.own(int(index)) {
			return 0
		}
		flags := ne.Uint32(b[offIfmFlags:])
		up := flags&iffUp != 0 && flags&iffRunning != 0
		was, known := m.links[index]
		m.links[index] = up
		if known && was == up || !known && !up {
			return 0
		}
		return platform.ChangeLink
	}
	return 0
}

// isDefaultRoute reports whether r is about 0.0.0.0/0 or ::/0: an
// unspecified destination with no netmask, an empty one or a zero one.
func isDefaultRoute(r *routeMsg) bool {
	if r.flags&rtfHost != 0 {
		return false
	}
	dst, mask := r.addrs[0], r.addrs[2]
	if !dst.ip.IsValid() || !dst.ip.IsUnspecified() {
		return false
	}
	return !mask.ip.IsValid() || mask.ip.IsUnspecified()
}

// Changes implements platform.Monitor.
func (m *Monitor) Changes() <-chan platform.Change { return m.deb.C() }

// Close implements platform.Monitor.
func (m *Monitor) Close() error {
	var err error
	m.once.Do(func() {
		err = m.sock.Close()
		<-m.done
		m.wake.Close()
		m.deb.Close()
	})
	<-m.done
	return err
}
