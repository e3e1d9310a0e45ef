package bsd

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/hex"
	"net/netip"
	"os"
	"slices"
	"sync"
	"syscall"
	"time"

	"github.com/espressovpn/espresso/platform"
)

// fakeKernel records every request and keeps the little state the tests
// need: a route table keyed by each message's addresses, the addresses of
// interfaces, and the open routing sockets, to which it announces new
// addresses with golden RTM_NEWADDR messages.
type fakeKernel struct {
	g goldenOS
	l Layout

	mu        sync.Mutex
	nextUnit  int
	devs      []*fakeTUN
	ioctls    []aliasRequest
	writes    [][]byte
	table     map[string]string // destination/netmask -> the route's addresses
	addrs     map[string][]netip.Addr
	sockets   []*fakeSocket
	physical  map[string]int
	replies   map[netip.Addr]func(pid, seq int32) []byte
	destroyed []string
	// silent drops the RTM_NEWADDR announcements; misdirect announces
	// the address on another interface; unlisted keeps new addresses out
	// of interfaceAddrs.
	silent, misdirect, unlisted bool
}

func newFakeKernel(g goldenOS) *fakeKernel {
	return &fakeKernel{
		g: g, l: layoutFor(g), nextUnit: 4,
		table:    map[string]string{},
		addrs:    map[string][]netip.Addr{},
		physical: map[string]int{"en0": 4},
		replies:  map[netip.Addr]func(int32, int32) []byte{},
	}
}

func (k *fakeKernel) createTUN(name string, mtu int) (tunDevice, error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	want := ""
	if k.g.darwin {
		want = "utun"
	}
	if name != want {
		return nil, syscall.EINVAL
	}
	prefix := "tun"
	if k.g.darwin {
		prefix = "utun"
	}
	d := &fakeTUN{k: k, name: prefix + string(rune('0'+k.nextUnit)), index: 10 + k.nextUnit, mtu: mtu}
	k.nextUnit++
	k.devs = append(k.devs, d)
	return d, nil
}

func (k *fakeKernel) ioctl(req aliasRequest) error {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.ioctls = append(k.ioctls, aliasRequest{inet6: req.inet6, cmd: req.cmd, data: bytes.Clone(req.data)})
	if req.cmd == mtuIoctl() {
		return nil
	}
	name := string(bytes.TrimRight(req.data[:16], "\x00"))
	var a netip.Addr
	mask := "255.255.255.255"
	if req.inet6 {
		a = netip.AddrFrom16([16]byte(req.data[24:40]))
		mask = "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"
	} else {
		a = netip.AddrFrom4([4]byte(req.data[20:24]))
	}
	var dev *fakeTUN
	for _, d := range k.devs {
		if d.name == name && !d.closed {
			dev = d
		}
	}
	if dev == nil {
		return syscall.ENXIO
	}
	if !k.unlisted {
		k.addrs[name] = append(k.addrs[name], a)
	}
	index := uint16(dev.index)
	if k.misdirect {
		index = 99
	}
	if !k.silent {
		for _, s := range k.sockets {
			// Unrelated traffic first: the wait must skip it.
			s.queue = append(s.queue, k.g.newaddr(99, "192.0.2.77", "255.255.255.0"), k.g.newaddr(index, a.String(), mask))
		}
	}
	return nil
}

func (k *fakeKernel) openRouteSocket() (routeSocket, error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	s := &fakeSocket{k: k}
	k.sockets = append(k.sockets, s)
	return s, nil
}

func (k *fakeKernel) interfaceIndex(name string) (int, error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if i, ok := k.physical[name]; ok {
		return i, nil
	}
	return 0, syscall.ENXIO
}

func (k *fakeKernel) interfaceAddrs(name string) ([]netip.Addr, bool, error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	a, ok := k.addrs[name]
	return slices.Clone(a), ok, nil
}

func (k *fakeKernel) destroyInterface(name string) error {
	k.mu.Lock()
	defer k.mu.Unlock()
	if _, ok := k.addrs[name]; !ok {
		return syscall.ENXIO
	}
	delete(k.addrs, name)
	k.destroyed = append(k.destroyed, name)
	return nil
}

// route handles one routing message as the kernel would answer the write.
func (k *fakeKernel) route(s *fakeSocket, b []byte) error {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.writes = append(k.writes, bytes.Clone(b))
	m, err := k.l.parseRouteMsg(b)
	if err != nil {
		return syscall.EINVAL
	}
	// The kernel finds a route by destination and netmask.
	key := m.addrs[0].ip.String() + "/" + m.addrs[2].ip.String()
	switch b[3] {
	case rtmAdd:
		if _, ok := k.table[key]; ok {
			return syscall.EEXIST
		}
		k.table[key] = hex.EncodeToString(b[k.l.RtMsghdrLen:])
	case rtmDelete:
		if _, ok := k.table[key]; !ok {
			return syscall.ESRCH
		}
		delete(k.table, key)
	case rtmGet:
		reply, ok := k.replies[m.addrs[0].ip]
		if !ok {
			return syscall.ESRCH
		}
		s.queue = append(s.queue, k.g.rtmsg(rtmGet, 0x1, 0x1, m.pid+1, m.seq, k.g.inSA("192.0.2.200")), reply(m.pid, m.seq))
	}
	return nil
}

// addRoute puts the route r in the table, as if someone had added it.
func (k *fakeKernel) addRoute(r routeSpec) {
	if err := k.route(&fakeSocket{k: k}, k.l.routeMessage(rtmAdd, r, 0, 0)); err != nil {
		panic(err)
	}
	k.takeWrites()
}

// hasRoute reports whether exactly r is in the table.
func (k *fakeKernel) hasRoute(r routeSpec) bool {
	k.mu.Lock()
	defer k.mu.Unlock()
	want := hex.EncodeToString(k.l.routeMessage(rtmAdd, r, 0, 0)[k.l.RtMsghdrLen:])
	for _, v := range k.table {
		if v == want {
			return true
		}
	}
	return false
}

// takeWrites returns the routing messages written since the last call,
// with pid and seq zeroed so they compare with golden messages.
func (k *fakeKernel) takeWrites() [][]byte {
	k.mu.Lock()
	defer k.mu.Unlock()
	out := k.writes
	k.writes = nil
	for _, b := range out {
		binary.NativeEndian.PutUint32(b[16:], 0)
		binary.NativeEndian.PutUint32(b[20:], 0)
	}
	return out
}

func (k *fakeKernel) openSockets() int {
	k.mu.Lock()
	defer k.mu.Unlock()
	return len(k.sockets)
}

type fakeSocket struct {
	k     *fakeKernel
	queue [][]byte
}

func (s *fakeSocket) Write(b []byte) (int, error) {
	if err := s.k.route(s, b); err != nil {
		return 0, err
	}
	return len(b), nil
}

// Read returns the next queued message, or the deadline error at once
// when none is left: nothing else will arrive.
func (s *fakeSocket) Read(b []byte) (int, error) {
	s.k.mu.Lock()
	defer s.k.mu.Unlock()
	if len(s.queue) == 0 {
		return 0, os.ErrDeadlineExceeded
	}
	n := copy(b, s.queue[0])
	s.queue = s.queue[1:]
	return n, nil
}

func (s *fakeSocket) SetReadDeadline(time.Time) error { return nil }

func (s *fakeSocket) Close() error {
	s.k.mu.Lock()
	defer s.k.mu.Unlock()
	s.k.sockets = slices.DeleteFunc(s.k.sockets, func(o *fakeSocket) bool { return o == s })
	return nil
}

// fakeTUN is a device without a data path: these tests are about its
// bookkeeping.
type fakeTUN struct {
	k      *fakeKernel
	name   string
	index  int
	mtu    int
	closed bool
}

func (d *fakeTUN) Name() string { return d.name }
func (d *fakeTUN) Index() int   { return d.index }

func (d *fakeTUN) Read([][]byte, []int, int) (int, error) { return 0, platform.ErrClosed }
func (d *fakeTUN) Write([][]byte, int) (int, error)       { return 0, platform.ErrClosed }
func (d *fakeTUN) BatchSize() int                         { return 1 }

func (d *fakeTUN) Close() error {
	d.k.mu.Lock()
	defer d.k.mu.Unlock()
	d.closed = true
	delete(d.k.addrs, d.name)
	return nil
}

func (d *fakeTUN) isClosed() bool {
	d.k.mu.Lock()
	defer d.k.mu.Unlock()
	return d.closed
}

// fakeDNS records the requests it is given.
type fakeDNS struct {
	mu      sync.Mutex
	applied []DNSRequest
	removed []DNSRequest
}

func (d *fakeDNS) Apply(_ context.Context, r *DNSRequest) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.applied = append(d.applied, *r)
	return nil
}

func (d *fakeDNS) Remove(_ context.Context, r *DNSRequest) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.removed = append(d.removed, *r)
	return nil
}
