package fake

import (
	"net/netip"
	"sync"

	"github.com/espressovpn/espresso/platform"
)

// Transport is an in-memory platform.Transport: datagrams given to Deliver
// come out of ReadBatch, datagrams written come out of Sent. Connect joins
// two of them so that each one's writes reach the other.
type Transport struct {
	local   netip.AddrPort
	in      chan platform.Datagram
	out     chan platform.Datagram
	bounced chan platform.UnreachableError
	done    chan struct{}
	closeMu sync.Once

	mu   sync.Mutex
	peer *Transport
}

var _ platform.Transport = (*Transport)(nil)

// NewTransport returns an open transport bound to local.
func NewTransport(local netip.AddrPort) *Transport {
	return &Transport{
		local:   local,
		in:      make(chan platform.Datagram, queueLen),
		out:     make(chan platform.Datagram, queueLen),
		bounced: make(chan platform.UnreachableError, queueLen),
		done:    make(chan struct{}),
	}
}

// Connect makes a's writes arrive at b and b's at a, with the sender's
// local address as source.
func Connect(a, b *Transport) {
	a.mu.Lock()
	a.peer = b
	a.mu.Unlock()
	b.mu.Lock()
	b.peer = a
	b.mu.Unlock()
}

// Deliver queues d for ReadBatch; false if closed or the queue is full.
func (t *Transport) Deliver(d platform.Datagram) bool {
	select {
	case <-t.done:
		return false
	default:
	}
	d.Buf = append([]byte(nil), d.Buf...)
	select {
	case t.in <- d:
		return true
	default:
		return false
	}
}

// Bounce makes ReadBatch return u, as when an ICMP destination
// unreachable came back for a datagram sent to u.Dest; false if closed or
// the queue is full.
func (t *Transport) Bounce(u platform.UnreachableError) bool {
	select {
	case <-t.done:
		return false
	case t.bounced <- u:
		return true
	default:
		return false
	}
}

// Sent returns the channel of datagrams written while not connected to a
// peer. Writes beyond its capacity are dropped.
func (t *Transport) Sent() <-chan platform.Datagram { return t.out }

// ReadBatch implements platform.Transport.
func (t *Transport) ReadBatch(msgs []platform.Datagram) (int, error) {
	var d platform.Datagram
	select {
	case <-t.done:
		return 0, platform.ErrClosed
	case u := <-t.bounced:
		return 0, &u
	case d = <-t.in:
	}
	n := 0
	for {
		msgs[n].Buf = append(msgs[n].Buf[:0], d.Buf...)
		msgs[n].Addr = d.Addr
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

// WriteBatch implements platform.Transport.
func (t *Transport) WriteBatch(msgs []platform.Datagram) (int, error) {
	select {
	case <-t.done:
		return 0, platform.ErrClosed
	default:
	}
	t.mu.Lock()
	peer := t.peer
	t.mu.Unlock()
	for _, m := range msgs {
		if peer != nil {
			peer.Deliver(platform.Datagram{Buf: m.Buf, Addr: t.local})
			continue
		}
		select {
		case t.out <- platform.Datagram{Buf: append([]byte(nil), m.Buf...), Addr: m.Addr}:
		default:
		}
	}
	return len(msgs), nil
}

// BatchSize implements platform.Transport.
func (t *Transport) BatchSize() int { return 16 }

// LocalAddr implements platform.Transport.
func (t *Transport) LocalAddr() netip.AddrPort { return t.local }

// Close implements platform.Transport.
func (t *Transport) Close() error {
	t.closeMu.Do(func() { close(t.done) })
	return nil
}
