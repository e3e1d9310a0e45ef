package session

import (
	"sync"

	"github.com/espressovpn/espresso/ipsec/socket"
	"github.com/espressovpn/espresso/platform"
)

// queueDrops counts the connection's packets that the kernel dropped
// before the engine read them: at the TUN device's queue
// ("device_queue": the engine did not read them in time) and at the ESP
// sockets' receive buffers ("socket_queue"). The engine's readers wait
// for room in its own queues (datapath.Config.Backpressure), so under
// overload this is where the excess goes. The counts are read only when
// asked, from a baseline taken when the engine starts; where the OS does
// not tell (platform.ErrUnsupported), there is no count. Each TUN device
// is the connection's own, so its count is the connection's.
type queueDrops struct {
	device  *queueCounter
	sockets []*queueCounter
}

// queueCounter is one kernel queue's count, relative to its baseline.
type queueCounter struct {
	src  platform.QueueDropper
	base uint64

	mu   sync.Mutex
	last uint64 // the latest count, kept once the queue is closed
}

// newQueueDrops takes the baselines of the tunnel's device and of the
// sockets (nil ones are skipped) that tell their drops.
func newQueueDrops(tunnel platform.Tunnel, sockets ...socket.Transport) *queueDrops {
	q := &queueDrops{device: newQueueCounter(tunnel)}
	for _, s := range sockets {
		if c := newQueueCounter(s); c != nil {
			q.sockets = append(q.sockets, c)
		}
	}
	return q
}

func newQueueCounter(v any) *queueCounter {
	src, ok := v.(platform.QueueDropper)
	if !ok {
		return nil
	}
	base, err := src.QueueDrops()
	if err != nil {
		return nil
	}
	return &queueCounter{src: src, base: base}
}

// read returns the drops since the baseline; once the queue cannot be
// read (closed with the session), the last count.
func (c *queueCounter) read() uint64 {
	if c == nil {
		return 0
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	n, err := c.src.QueueDrops()
	if err != nil {
		return c.last
	}
	if n >= c.base {
		c.last = n - c.base
	} else {
		// A socket's count is 32 bits wide and wraps.
		c.last = uint64(uint32(n - c.base))
	}
	return c.last
}

// read returns the drops at the device and at the sockets.
func (q *queueDrops) read() (device, sockets uint64) {
	if q == nil {
		return 0, 0
	}
	for _, s := range q.sockets {
		sockets += s.read()
	}
	return q.device.read(), sockets
}
