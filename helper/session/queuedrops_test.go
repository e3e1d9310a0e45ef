package session

import (
	"errors"
	"net/netip"
	"sync"
	"testing"

	"github.com/espressovpn/espresso/ipsec/socket"
	"github.com/espressovpn/espresso/platform"
)

// kernelCount is a kernel queue's drop count as a test sets it.
type kernelCount struct {
	mu  sync.Mutex
	n   uint64
	err error
}

func (k *kernelCount) QueueDrops() (uint64, error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.n, k.err
}

func (k *kernelCount) set(n uint64, err error) {
	k.mu.Lock()
	k.n, k.err = n, err
	k.mu.Unlock()
}

// droppingTunnel and droppingSocket tell their kernel's drops.
type droppingTunnel struct {
	platform.Tunnel
	*kernelCount
}

type droppingSocket struct {
	socket.Transport
	*kernelCount
}

func TestQueueDrops(t *testing.T) {
	dev := &kernelCount{n: 40}
	natt := &kernelCount{n: 1<<32 - 2} // about to wrap
	raw := &kernelCount{n: 5}
	silent := &kernelCount{err: platform.ErrUnsupported}
	q := newQueueDrops(droppingTunnel{kernelCount: dev},
		droppingSocket{kernelCount: natt}, nil, droppingSocket{kernelCount: raw}, droppingSocket{kernelCount: silent})
	if len(q.sockets) != 2 {
		t.Errorf("%d sockets counted, want the two that tell", len(q.sockets))
	}
	if d, s := q.read(); d != 0 || s != 0 {
		t.Errorf("at the baseline: device %d, sockets %d", d, s)
	}
	dev.set(47, nil)
	natt.set(3, nil) // wrapped: 5 more
	raw.set(6, nil)
	silent.set(100, nil)
	if d, s := q.read(); d != 7 || s != 6 {
		t.Errorf("device %d, sockets %d; want 7 and 5+1", d, s)
	}
	// Closed, the queues keep their last counts.
	for _, k := range []*kernelCount{dev, natt, raw} {
		k.set(0, errors.New("closed"))
	}
	if d, s := q.read(); d != 7 || s != 6 {
		t.Errorf("once closed: device %d, sockets %d; want 7 and 6 kept", d, s)
	}

	// An OS that tells nothing (macOS, FreeBSD).
	silent = &kernelCount{err: platform.ErrUnsupported}
	q = newQueueDrops(droppingTunnel{kernelCount: silent}, droppingSocket{kernelCount: silent})
	if q.device != nil || len(q.sockets) != 0 {
		t.Error("counters for queues whose OS tells nothing")
	}
	if d, s := q.read(); d != 0 || s != 0 {
		t.Errorf("nothing to tell: device %d, sockets %d", d, s)
	}
	if d, s := (*queueDrops)(nil).read(); d != 0 || s != 0 {
		t.Error("no queueDrops: counts")
	}
}

// dropNet is the test network whose tunnels and NAT-T sockets tell
// their kernel's drops.
type dropNet struct {
	*testNet
	dev, natt *kernelCount
}

func (n dropNet) Open(name string) (platform.Tunnel, error) {
	t, err := n.testNet.Open(name)
	if err != nil {
		return nil, err
	}
	return droppingTunnel{Tunnel: t, kernelCount: n.dev}, nil
}

func (n dropNet) ListenUDP(cfg platform.UDPConfig) (socket.Transport, error) {
	t, err := n.testNet.ListenUDP(cfg)
	if err != nil {
		return nil, err
	}
	return droppingSocket{Transport: t, kernelCount: n.natt}, nil
}

// TestStatusQueueDrops checks that the kernel's drops reach the status
// as "device_queue" and "socket_queue", counted from the engine's start
// and kept after Close.
func TestStatusQueueDrops(t *testing.T) {
	n := dropNet{testNet: newTestNet(), dev: &kernelCount{n: 3}, natt: &kernelCount{n: 1}}
	neg := newFakeNegotiator(func(f *fakeNegotiation) { f.establish(t, []netip.Prefix{anyV4}) })
	s, err := dialOver(t, n, neg, pskProfile())
	if err != nil {
		t.Fatal(err)
	}
	if d := s.Counters().Drops; d["device_queue"] != 0 || d["socket_queue"] != 0 {
		t.Errorf("drops before any: %v", d)
	}
	n.dev.set(13, nil)
	// The IKE socket (port 500) shares the count here, but only the
	// engine's socket counts.
	n.natt.set(4, nil)
	c := s.Counters()
	if d := c.Drops; d["device_queue"] != 10 || d["socket_queue"] != 3 {
		t.Errorf("drops %v, want device_queue 10 and socket_queue 3 (the NAT-T socket's)", d)
	}
	var r dropReport
	if line, want := r.next(s.drops()), "dropped: device_queue +10 (10 in all), socket_queue +3 (3 in all)"; line != want {
		t.Errorf("report %q, want %q", line, want)
	}
	n.dev.set(20, nil)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	n.dev.set(0, errors.New("closed"))
	n.natt.set(0, errors.New("closed"))
	if d := s.Counters().Drops; d["device_queue"] != 17 || d["socket_queue"] != 3 {
		t.Errorf("drops %v after Close, want the last reading (17 and 3) kept", d)
	}
}
