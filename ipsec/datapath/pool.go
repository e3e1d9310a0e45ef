package datapath

import (
	"sync"

	"github.com/espressovpn/espresso/ipsec/sad"
)

// elem is one packet in flight with the buffer it lives in.
type elem struct {
	buf        []byte // len == cap == BufferSize; never reallocated
	start, end int    // the packet is buf[start:end]
	sa         *sad.SA
	seq        uint64
	drop       sad.DropReason
}

// batch is a group of packets that moves through the queues together. mu is
// locked while its packets are being encrypted or decrypted, so the
// in-order writer waits on it (the wireguard-go pattern).
type batch struct {
	mu    sync.Mutex
	elems []*elem
	out   bool
}

// pool is a free list with a fixed capacity: it makes at most max items,
// then Get waits for one to come back. Memory therefore has a fixed bound.
type pool[T any] struct {
	free chan *T
	mu   sync.Mutex
	made int
	max  int
	make func() *T
}

func newPool[T any](max int, mk func() *T) *pool[T] {
	return &pool[T]{free: make(chan *T, max), max: max, make: mk}
}

// get returns an item, or nil once done is closed.
func (p *pool[T]) get(done <-chan struct{}) *T {
	select {
	case x := <-p.free:
		return x
	default:
	}
	p.mu.Lock()
	if p.made < p.max {
		p.made++
		p.mu.Unlock()
		return p.make()
	}
	p.mu.Unlock()
	select {
	case x := <-p.free:
		return x
	case <-done:
		return nil
	}
}

func (p *pool[T]) put(x *T) { p.free <- x }
