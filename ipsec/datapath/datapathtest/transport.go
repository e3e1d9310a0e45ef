package datapathtest

import (
	"net/netip"
	"sync"
	"sync/atomic"
	"time"
)

// Transport is one end of an in-memory datagram link made by Pipe.
type Transport struct {
	local netip.AddrPort
	peer  *Transport
	batch int
	in    chan datagram // datagrams for this end
	free  chan []byte   // buffers for datagrams towards this end
	done  chan struct{}
	once  sync.Once

	// Lossy makes writes drop datagrams when the peer's queue is full
	// instead of waiting, as a real network does.
	Lossy bool
	// Delay is slept once per WriteBatch: a slow link.
	Delay time.Duration

	sent, dropped atomic.Uint64
}

type datagram struct {
	buf  []byte
	n    int
	from netip.AddrPort
}

// bufSize bounds a datagram on the link.
const bufSize = 9216

// Pipe returns two connected ends with addresses a and b, each with a queue
// of queue datagrams and reads of up to batch datagrams.
func Pipe(a, b netip.AddrPort, queue, batch int) (*Transport, *Transport) {
	ta := newEnd(a, queue, batch)
	tb := newEnd(b, queue, batch)
	ta.peer, tb.peer = tb, ta
	return ta, tb
}

func newEnd(addr netip.AddrPort, queue, batch int) *Transport {
	t := &Transport{local: addr, batch: batch, in: make(chan datagram, queue), free: make(chan []byte, queue), done: make(chan struct{})}
	for range queue {
		t.free <- make([]byte, bufSize)
	}
	return t
}

// Addr returns this end's address.
func (t *Transport) Addr() netip.AddrPort { return t.local }

// Sent and Dropped count datagrams written by this end.
func (t *Transport) Sent() uint64    { return t.sent.Load() }
func (t *Transport) Dropped() uint64 { return t.dropped.Load() }

// Close ends this side: its reads and writes fail from now.
func (t *Transport) Close() { t.once.Do(func() { close(t.done) }) }

// BatchSize implements datapath.Transport.
func (t *Transport) BatchSize() int { return t.batch }

// WriteBatch implements datapath.Transport. Datagrams to an address other
// than the peer's are dropped, as nothing is there.
func (t *Transport) WriteBatch(msgs []Datagram) (int, error) {
	if t.Delay > 0 {
		select {
		case <-time.After(t.Delay):
		case <-t.done:
			return 0, ErrClosed
		}
	}
	p := t.peer
	for i, m := range msgs {
		if m.Addr != p.local || len(m.Buf) > bufSize {
			t.dropped.Add(1)
			continue
		}
		var buf []byte
		if t.Lossy {
			select {
			case buf = <-p.free:
			default:
				t.dropped.Add(1)
				continue
			}
		} else {
			select {
			case buf = <-p.free:
			case <-t.done:
				return i, ErrClosed
			case <-p.done:
				return i, ErrClosed
			}
		}
		n := copy(buf, m.Buf)
		p.in <- datagram{buf: buf, n: n, from: t.local}
		t.sent.Add(1)
	}
	return len(msgs), nil
}

// ReadBatch implements datapath.Transport.
func (t *Transport) ReadBatch(msgs []Datagram) (int, error) {
	var d datagram
	select {
	case d = <-t.in:
	case <-t.done:
		return 0, ErrClosed
	}
	n := 0
	for {
		msgs[n].Buf = msgs[n].Buf[:copy(msgs[n].Buf[:cap(msgs[n].Buf)], d.buf[:d.n])]
		msgs[n].Addr = d.from
		t.free <- d.buf
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
