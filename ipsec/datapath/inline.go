package datapath

import (
	"sync"
	"sync/atomic"
)

// A batch that goes through the queues costs two hand-offs between
// goroutines (reader to worker, worker to writer), each a channel
// operation and often a wake-up of a sleeping goroutine. Under light or
// moderate load batches are small (a TUN device without offloads gives one
// packet per read, a socket one or two datagrams), so those hand-offs cost
// more than the packets' crypto. A reader that has a small batch while
// nothing of its direction is in flight therefore seals or opens it and
// writes it itself ("inline"); otherwise the batch takes the queues, and a
// burst of full batches is sealed in parallel by the workers.
//
// A lane keeps the order and exclusion the queues gave. Batches are
// counted in pending from when they are handed on until they are written.
// A reader writes inline only when it brings pending from 0 to 1: every
// batch handed on before has then been written, so its own comes next.
// Whoever writes a batch, the writer goroutine or an inline reader, holds
// mu, so the transports' WriteBatch and Device.Write never run from two
// goroutines of a direction at once, and a batch queued while an inline
// one is being written waits for it.
//
// Outbound, claim and the queueing of later batches both run under outMu,
// after the batch's sequence numbers were taken: a batch queued after an
// inline one finds mu held and is written after it, so packets of one SA
// still leave in sequence-number order. Inbound has no such order between
// its two readers (UDP and raw), nor had it before.

// inlineBatch is the largest batch a reader writes inline. Larger batches
// come from a device with segmentation offload or a socket under load,
// where sealing in parallel with the next read pays for the hand-offs.
const inlineBatch = 8

// lane is one direction's writing side.
type lane struct {
	pending atomic.Int32 // batches handed on, not yet written
	mu      sync.Mutex   // held while writing a batch
}

// claim reports whether a batch of n packets is to be written inline; if
// so the caller holds l.mu and counts in pending until it calls done.
func (l *lane) claim(n int) bool {
	if n > inlineBatch || l.pending.Load() != 0 || !l.pending.CompareAndSwap(0, 1) {
		return false
	}
	l.mu.Lock()
	return true
}

// done ends the writing of one batch.
func (l *lane) done() {
	l.mu.Unlock()
	l.pending.Add(-1)
}

// reclaim gives a batch's elements written inline back to the reader's
// empty slots, sparing them the round trip through the pool, and empties
// the batch for the next read.
func reclaim(b *batch, slots []*elem) {
	j := 0
	for _, x := range b.elems {
		for slots[j] != nil {
			j++
		}
		slots[j] = x
		j++
	}
	b.elems = b.elems[:0]
}
