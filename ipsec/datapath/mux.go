package datapath

import (
	"errors"
	"net/netip"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// Mux is one Device over the several TUN devices of a connection. macOS
// (utun) and FreeBSD (tun) give each virtual IP a device of its own, so an
// IPv4 and IPv6 connection has two; Linux has one shared device. The engine
// drives a single Device either way.
//
// Outbound, one reader goroutine per device reads a batch into buffers of
// its own (a fixed number of batches per device, so memory is bounded) and
// queues it; Read copies queued packets into the caller's buffers, in the
// order each device produced them. Inbound, Write hands each packet to the
// device holding its destination address.
//
// The set of devices follows the connection's Tunnel: Set after every
// change. Devices are compared by identity.
type Mux struct {
	cfg   MuxConfig
	ready chan *muxBatch
	done  chan struct{}
	once  sync.Once
	wg    sync.WaitGroup // the readers

	mu      sync.Mutex // Set and Close
	readers map[Device]*muxReader
	closed  bool

	// links is what Write routes by: replaced whole by Set, never changed.
	links atomic.Pointer[[]MuxLink]

	rmu sync.Mutex
	cur *muxBatch // the batch Read is emptying

	wmu    sync.Mutex
	groups [][][]byte // Write's packets per device, reused

	readErrs, unroutable, oversize, writeErrs atomic.Uint64
}

// MuxLink is one device of a Mux and the addresses it holds.
type MuxLink struct {
	Device Device
	// Addrs are the device's virtual IPs: inbound packets to one of them
	// are written to this device.
	Addrs []netip.Prefix
}

// MuxConfig configures a Mux. Zero fields take the defaults shown.
type MuxConfig struct {
	// BatchSize is the most packets one Read returns (default 128, the
	// batch of the Linux TUN device with segmentation offload).
	BatchSize int
	// BufferSize is the size of each of a reader's buffers, Offset
	// included (default BufferSizeFor(0), as the engine's); give it
	// BufferSizeFor(mtu) for a tunnel of a larger MTU.
	BufferSize int
	// Offset is where a reader asks its device to put each packet in its
	// buffer (default 16, the room the platform devices need).
	Offset int
	// Batches is how many batches each device's reader may fill before
	// Read takes them (default 2: one queued while the next is read).
	Batches int
	// RetryDelay is the pause after a failed Read of a device that is
	// still in the set (default 10ms): a device being replaced fails until
	// Set removes it, and a transient error must not spin.
	RetryDelay time.Duration
}

// MuxStats counts what a Mux dropped.
type MuxStats struct {
	// ReadErrors counts failed device Reads.
	ReadErrors uint64
	// Unroutable counts inbound packets for an address no device holds.
	Unroutable uint64
	// Oversize counts outbound packets larger than the caller's buffer.
	Oversize uint64
	// WriteErrors counts inbound packets a device refused.
	WriteErrors uint64
}

// ErrMuxClosed is returned by Read and Write after Close.
var ErrMuxClosed = errors.New("datapath: device multiplexer closed")

// muxBatch is one batch of packets read from one device.
type muxBatch struct {
	r     *muxReader
	bufs  [][]byte
	sizes []int
	n     int // packets read
	next  int // the next packet Read takes
}

// muxReader reads one device; stop is closed when Set removes it.
type muxReader struct {
	dev  Device
	free chan *muxBatch
	stop chan struct{}
}

// NewMux returns a Mux without devices; Set gives it some.
func NewMux(cfg MuxConfig) *Mux {
	def := func(v *int, d int) {
		if *v <= 0 {
			*v = d
		}
	}
	def(&cfg.BatchSize, maxBatch)
	def(&cfg.BufferSize, BufferSizeFor(0))
	def(&cfg.Offset, maxDeviceOffset)
	def(&cfg.Batches, 2)
	if cfg.RetryDelay <= 0 {
		cfg.RetryDelay = 10 * time.Millisecond
	}
	m := &Mux{
		cfg:     cfg,
		ready:   make(chan *muxBatch, cfg.Batches),
		done:    make(chan struct{}),
		readers: map[Device]*muxReader{},
	}
	m.links.Store(&[]MuxLink{})
	return m
}

// Set makes links the Mux's devices: readers start for new devices and
// stop for devices no longer listed, and Write routes by the new addresses
// at once. A removed device's reader returns once its pending Read does,
// which closing the device ends (the platform closes the devices it
// removes). Set after Close does nothing.
func (m *Mux) Set(links []MuxLink) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return
	}
	cp := make([]MuxLink, len(links))
	next := make(map[Device]*muxReader, len(links))
	for i, l := range links {
		cp[i] = MuxLink{Device: l.Device, Addrs: slices.Clone(l.Addrs)}
		if next[l.Device] != nil {
			continue
		}
		r := m.readers[l.Device]
		if r == nil {
			r = m.startReader(l.Device)
		}
		next[l.Device] = r
	}
	for d, r := range m.readers {
		if next[d] == nil {
			close(r.stop)
		}
	}
	m.readers = next
	m.links.Store(&cp)
}

// startReader starts the reader of dev, with its batches allocated once.
func (m *Mux) startReader(dev Device) *muxReader {
	n := max(dev.BatchSize(), 1)
	r := &muxReader{dev: dev, free: make(chan *muxBatch, m.cfg.Batches), stop: make(chan struct{})}
	for range m.cfg.Batches {
		b := &muxBatch{r: r, bufs: make([][]byte, n), sizes: make([]int, n)}
		for i := range b.bufs {
			b.bufs[i] = make([]byte, m.cfg.BufferSize)
		}
		r.free <- b
	}
	m.wg.Add(1)
	go m.read(r)
	return r
}

// Links returns the devices the Mux routes to now.
func (m *Mux) Links() []MuxLink {
	return slices.Clone(*m.links.Load())
}

// BatchSize implements Device; it does not change.
func (m *Mux) BatchSize() int { return m.cfg.BatchSize }

// Stats returns the Mux's drop counters.
func (m *Mux) Stats() MuxStats {
	return MuxStats{
		ReadErrors:  m.readErrs.Load(),
		Unroutable:  m.unroutable.Load(),
		Oversize:    m.oversize.Load(),
		WriteErrors: m.writeErrs.Load(),
	}
}

// Close ends pending and later Reads with ErrMuxClosed and waits for the
// readers. A reader returns once its device's Read does, so the owner
// closes the devices first (Tunnel.Close does).
func (m *Mux) Close() error {
	m.mu.Lock()
	m.closed = true
	m.readers = nil
	m.links.Store(&[]MuxLink{})
	m.mu.Unlock()
	m.once.Do(func() { close(m.done) })
	m.wg.Wait()
	return nil
}

func (m *Mux) isClosed() bool {
	select {
	case <-m.done:
		return true
	default:
		return false
	}
}
