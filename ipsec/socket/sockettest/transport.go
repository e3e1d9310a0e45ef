// Package sockettest holds the test double of socket.Transport: an
// in-memory datagram socket, alone (a test feeds its reads and takes its
// writes) or as one end of a link to another.
package sockettest

import (
	"net/netip"
	"sync"
	"sync/atomic"
	"time"

	"github.com/espressovpn/espresso/ipsec/socket"
)

// Transport is an in-memory socket.Transport. Alone, as NewTransport
// makes it, datagrams given to Deliver come out of ReadBatch and datagrams
// written come out of Sent. Pipe makes two linked ends instead, each
// one's writes reaching the other.
type Transport struct {
	local   netip.AddrPort
	batch   int
	in      chan datagram // datagrams for this end
	free    chan []byte   // buffers for datagrams towards this end
	bufs    atomic.Int32  // buffers made for this end, at most cap(free)
	out     chan socket.Datagram
	bounced chan socket.UnreachableError
	done    chan struct{}
	once    sync.Once
	peer    *Transport // set by Pipe, before any use

	// Lossy makes writes to the peer drop datagrams when its queue is full
	// instead of waiting, as a real network does.
	Lossy bool
	// Delay is waited once per WriteBatch: a slow link.
	Delay time.Duration
}

var _ socket.Transport = (*Transport)(nil)

type datagram struct {
	buf  []byte
	n    int
	from netip.AddrPort
}

// bufSize bounds a datagram on the link.
const bufSize = 9216

// defaultQueue and defaultBatch are NewTransport's queue length and
// batch size.
const (
	defaultQueue = 256
	defaultBatch = 16
)

// NewTransport returns a lone open transport bound to local. Its buffers
// are made as datagrams arrive.
func NewTransport(local netip.AddrPort) *Transport {
	return newEnd(local, defaultQueue, defaultBatch)
}

// Pipe returns two linked ends with addresses a and b, each with a queue
// of queue datagrams and reads of up to batch datagrams. A datagram
// written to an address other than the peer's is dropped, as nothing is
// there. All buffers are made here, so the link's memory does not grow
// while it carries datagrams.
func Pipe(a, b netip.AddrPort, queue, batch int) (*Transport, *Transport) {
	ta := newEnd(a, queue, batch)
	tb := newEnd(b, queue, batch)
	ta.fill()
	tb.fill()
	ta.peer, tb.peer = tb, ta
	return ta, tb
}

func newEnd(addr netip.AddrPort, queue, batch int) *Transport {
	return &Transport{
		local:   addr,
		batch:   batch,
		in:      make(chan datagram, queue),
		free:    make(chan []byte, queue),
		out:     make(chan socket.Datagram, queue),
		bounced: make(chan socket.UnreachableError, queue),
		done:    make(chan struct{}),
	}
}

// fill makes all buffers of this end.
func (t *Transport) fill() {
	for t.bufs.Add(1) <= int32(cap(t.free)) {
		t.free <- make([]byte, bufSize)
	}
}

// buffer returns a free buffer of this end, a new one while fewer than
// cap(free) were made, or nil when all are in use.
func (t *Transport) buffer() []byte {
	select {
	case b := <-t.free:
		return b
	default:
	}
	if t.bufs.Add(1) <= int32(cap(t.free)) {
		return make([]byte, bufSize)
	}
	t.bufs.Add(-1)
	return nil
}

// recycle keeps b for a later datagram to this end, if there is room.
func (t *Transport) recycle(b []byte) {
	select {
	case t.free <- b:
	default:
	}
}

// Deliver queues a copy of d for ReadBatch; false if closed, the queue is
// full or d is larger than a datagram on the link.
func (t *Transport) Deliver(d socket.Datagram) bool {
	select {
	case <-t.done:
		return false
	default:
	}
	if len(d.Buf) > bufSize {
		return false
	}
	b := t.buffer()
	if b == nil {
		return false
	}
	select {
	case t.in <- datagram{buf: b, n: copy(b, d.Buf), from: d.Addr}:
		return true
	default:
		t.recycle(b)
		return false
	}
}

// Bounce makes ReadBatch return u, as when an ICMP destination
// unreachable came back for a datagram sent to u.Dest; false if closed or
// the queue is full.
func (t *Transport) Bounce(u socket.UnreachableError) bool {
	select {
	case <-t.done:
		return false
	case t.bounced <- u:
		return true
	default:
		return false
	}
}

// Sent returns the channel of datagrams a lone transport wrote. Writes
// beyond its capacity are dropped.
func (t *Transport) Sent() <-chan socket.Datagram { return t.out }

// ReadBatch implements socket.Transport.
func (t *Transport) ReadBatch(msgs []socket.Datagram) (int, error) {
	if len(msgs) == 0 {
		return 0, nil
	}
	var d datagram
	select {
	case <-t.done:
		return 0, socket.ErrClosed
	case u := <-t.bounced:
		return 0, &u
	case d = <-t.in:
	}
	n := 0
	for {
		msgs[n].Buf = append(msgs[n].Buf[:0], d.buf[:d.n]...)
		msgs[n].Addr = d.from
		t.recycle(d.buf)
		n++
		if n == len(msgs) {
			return n, nil
		}
		select {
		case d = <-t.in:
		default:
			return n, nil
		}
	}
}

// WriteBatch implements socket.Transport.
func (t *Transport) WriteBatch(msgs []socket.Datagram) (int, error) {
	if t.Delay > 0 {
		select {
		case <-time.After(t.Delay):
		case <-t.done:
			return 0, socket.ErrClosed
		}
	}
	select {
	case <-t.done:
		return 0, socket.ErrClosed
	default:
	}
	p := t.peer
	for i, m := range msgs {
		if p == nil {
			select {
			case t.out <- socket.Datagram{Buf: append([]byte(nil), m.Buf...), Addr: m.Addr}:
			default:
			}
			continue
		}
		if m.Addr != p.local || len(m.Buf) > bufSize {
			continue
		}
		select {
		case <-p.done:
			return i, socket.ErrClosed
		default:
		}
		b := p.buffer()
		if b == nil && t.Lossy {
			continue
		}
		if b == nil {
			select {
			case b = <-p.free:
			case <-t.done:
				return i, socket.ErrClosed
			case <-p.done:
				return i, socket.ErrClosed
			}
		}
		// in has room for every buffer, so this send does not block.
		p.in <- datagram{buf: b, n: copy(b, m.Buf), from: t.local}
	}
	return len(msgs), nil
}

// BatchSize implements socket.Transport.
func (t *Transport) BatchSize() int { return t.batch }

// LocalAddr implements socket.Transport.
func (t *Transport) LocalAddr() netip.AddrPort { return t.local }

// Close implements socket.Transport: reads and writes fail from now.
func (t *Transport) Close() error {
	t.once.Do(func() { close(t.done) })
	return nil
}
