// Package datapathtest provides an in-memory stand-in for a TUN device; with
// sockettest's linked transports, whole engines run and talk to each other
// inside one test process. Its queues have fixed sizes.
package datapathtest

import (
	"errors"
	"sync"

	"github.com/espressovpn/espresso/ipsec/datapath"
)

var _ datapath.Device = (*Device)(nil)

// ErrClosed is returned by reads and writes after Close.
var ErrClosed = errors.New("datapathtest: closed")

// Device is an in-memory TUN device. Packets given to Inject are what the
// engine reads ("sent by applications into the tunnel"); packets the engine
// writes arrive on Received, or at Sink if it is set.
type Device struct {
	batch  int
	in     chan []byte
	out    chan []byte
	done   chan struct{}
	once   sync.Once
	source func(buf []byte) int
	sink   func(pkt []byte)
}

// NewDevice returns a device reading batches of up to batch packets, with
// queues of queue packets each way.
func NewDevice(batch, queue int) *Device {
	return &Device{batch: batch, in: make(chan []byte, queue), out: make(chan []byte, queue), done: make(chan struct{})}
}

// SetSource makes Read generate packets with f instead of taking injected
// ones: f fills buf and returns the packet length, or 0 when it has no more
// (Read then waits for Close). Call it before the engine starts.
func (d *Device) SetSource(f func(buf []byte) int) { d.source = f }

// SetSink makes Write pass each packet to f (valid only during the call)
// instead of queueing a copy. Call it before the engine starts.
func (d *Device) SetSink(f func(pkt []byte)) { d.sink = f }

// Inject queues a packet for the engine to read; it waits while the queue is
// full and reports false after Close.
func (d *Device) Inject(pkt []byte) bool {
	select {
	case d.in <- append([]byte(nil), pkt...):
		return true
	case <-d.done:
		return false
	}
}

// Received returns the packets the engine wrote.
func (d *Device) Received() <-chan []byte { return d.out }

// Close makes pending and later reads and writes fail.
func (d *Device) Close() { d.once.Do(func() { close(d.done) }) }

// BatchSize implements datapath.Device.
func (d *Device) BatchSize() int { return d.batch }

// Read implements datapath.Device: it waits for one packet, then takes more
// that are ready, up to len(bufs).
func (d *Device) Read(bufs [][]byte, sizes []int, offset int) (int, error) {
	if d.source != nil {
		return d.generate(bufs, sizes, offset)
	}
	var p []byte
	select {
	case p = <-d.in:
	case <-d.done:
		return 0, ErrClosed
	}
	n := 0
	for {
		sizes[n] = copy(bufs[n][offset:], p)
		n++
		if n == len(bufs) {
			return n, nil
		}
		select {
		case p = <-d.in:
		default:
			return n, nil
		}
	}
}

func (d *Device) generate(bufs [][]byte, sizes []int, offset int) (int, error) {
	n := 0
	for n < len(bufs) {
		l := d.source(bufs[n][offset:])
		if l == 0 {
			break
		}
		sizes[n] = l
		n++
	}
	if n > 0 {
		return n, nil
	}
	<-d.done
	return 0, ErrClosed
}

// Write implements datapath.Device; it waits while the Received queue is full.
func (d *Device) Write(bufs [][]byte, offset int) (int, error) {
	for i, b := range bufs {
		if d.sink != nil {
			d.sink(b[offset:])
			continue
		}
		select {
		case d.out <- append([]byte(nil), b[offset:]...):
		case <-d.done:
			return i, ErrClosed
		}
	}
	return len(bufs), nil
}
