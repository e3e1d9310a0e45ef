package platformtest

import (
	"sync"

	"github.com/espressovpn/espresso/platform"
)

// queueLen bounds each direction of a fake device, so a test
// that never drains cannot grow memory.
const queueLen = 256

// Device is an in-memory TUN device. Packets given to Inject come out of
// Read, as if the system sent them into the tunnel; packets given to Write
// come out of Written, as if the system received them from the tunnel.
type Device struct {
	name    string
	in      chan []byte
	out     chan []byte
	done    chan struct{}
	closeMu sync.Once
}

var _ platform.Device = (*Device)(nil)

// NewDevice returns an open device called name.
func NewDevice(name string) *Device {
	return &Device{
		name: name,
		in:   make(chan []byte, queueLen),
		out:  make(chan []byte, queueLen),
		done: make(chan struct{}),
	}
}

// Name returns the device name.
func (d *Device) Name() string { return d.name }

// Inject queues pkt for Read. It reports false if the device is closed or
// its queue is full.
func (d *Device) Inject(pkt []byte) bool {
	select {
	case <-d.done:
		return false
	default:
	}
	select {
	case d.in <- append([]byte(nil), pkt...):
		return true
	default:
		return false
	}
}

// Written returns the channel of packets written to the device. Writes
// beyond its capacity are dropped, as a full TUN queue drops them.
func (d *Device) Written() <-chan []byte { return d.out }

// Closed reports whether the device has been closed.
func (d *Device) Closed() bool {
	select {
	case <-d.done:
		return true
	default:
		return false
	}
}

// Read implements platform.Device: it blocks for one injected packet, then
// takes any others already queued.
func (d *Device) Read(bufs [][]byte, sizes []int, offset int) (int, error) {
	var pkt []byte
	select {
	case <-d.done:
		return 0, platform.ErrClosed
	case pkt = <-d.in:
	}
	n := 0
	for {
		sizes[n] = copy(bufs[n][offset:], pkt)
		n++
		if n == len(bufs) {
			return n, nil
		}
		select {
		case pkt = <-d.in:
		default:
			return n, nil
		}
	}
}

// Write implements platform.Device.
func (d *Device) Write(bufs [][]byte, offset int) (int, error) {
	if d.Closed() {
		return 0, platform.ErrClosed
	}
	for _, b := range bufs {
		select {
		case d.out <- append([]byte(nil), b[offset:]...):
		default:
		}
	}
	return len(bufs), nil
}

// BatchSize implements platform.Device.
func (d *Device) BatchSize() int { return 16 }

// Close ends pending and later Reads with platform.ErrClosed.
func (d *Device) Close() error {
	d.closeMu.Do(func() { close(d.done) })
	return nil
}
