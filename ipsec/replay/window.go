// Package replay is the ESP anti-replay window of RFC 4303 §3.4.3 with the
// extended sequence number inference of RFC 4303 Appendix A2, kept as the
// bitmap ring of RFC 6479 so that sliding the window costs one word per 64
// sequence numbers rather than a shift of the whole map.
//
// A Window is not safe for concurrent use; its owner (the SA) serialises calls.
package replay

// DefaultSize is the window size used when none is configured, in packets.
const DefaultSize = 1024

const (
	blockBits = 64
	blockLog  = 6
)

// Window tracks which sequence numbers of one inbound SA were received.
type Window struct {
	size   uint64   // W: how far below top a number is still accepted
	top    uint64   // highest authenticated sequence number; 0 before any
	esn    bool     // 64-bit sequence numbers, of which 32 are on the wire
	bitmap []uint64 // ring of blocks; one spare block beyond W (RFC 6479 §2)
	mask   uint64   // len(bitmap)-1; len is a power of two
}

// New returns a window of size packets (DefaultSize if size <= 0) for an SA
// with extended sequence numbers (esn) or 32-bit ones.
func New(size int, esn bool) *Window {
	if size <= 0 {
		size = DefaultSize
	}
	blocks := uint64(size+blockBits-1)/blockBits + 1
	n := uint64(1)
	for n < blocks {
		n <<= 1
	}
	return &Window{size: uint64(size), esn: esn, bitmap: make([]uint64, n), mask: n - 1}
}

// Size returns the window size in packets.
func (w *Window) Size() int { return int(w.size) }

// Top returns the highest sequence number accepted so far (0 if none).
func (w *Window) Top() uint64 { return w.top }

// Infer returns the full sequence number of a packet whose header carries
// low, the low-order 32 bits. Without ESN it is low itself. With ESN the
// high-order 32 bits are guessed from the window position as RFC 4303
// Appendix A2.2 specifies; a wrong guess is caught by the integrity check,
// since the high bits are covered by the ICV (RFC 4303 §2.2.1). ok is false
// for a number that would lie before the first packet of the SA.
func (w *Window) Infer(low uint32) (seq uint64, ok bool) {
	if !w.esn {
		return uint64(low), true
	}
	tl := uint32(w.top)
	th := uint32(w.top >> 32)
	wm1 := uint32(w.size - 1)
	if w.size > 1<<32 {
		wm1 = ^uint32(0)
	}
	bottom := tl - wm1 // Tl - W + 1, modulo 2^32
	if tl >= wm1 {
		// Case A: the window lies within one 2^32 subspace.
		if low >= bottom {
			return uint64(th)<<32 | uint64(low), true
		}
		if th == ^uint32(0) {
			return 0, false
		}
		return uint64(th+1)<<32 | uint64(low), true
	}
	// Case B: the window spans two subspaces.
	if low >= bottom {
		if th == 0 {
			return 0, false
		}
		return uint64(th-1)<<32 | uint64(low), true
	}
	return uint64(th)<<32 | uint64(low), true
}

// Check reports whether seq is new and within the window. It does not change
// the window: RFC 4303 §3.4.3 has the receiver check before the integrity
// verification and update only after it passed.
func (w *Window) Check(seq uint64) bool {
	if seq == 0 {
		// The first packet of an SA carries 1 (RFC 4303 §3.3.3).
		return false
	}
	if !w.esn && seq > 1<<32-1 {
		return false
	}
	if seq > w.top {
		return true
	}
	if w.top-seq >= w.size {
		return false
	}
	bit := seq & (w.mask<<blockLog | (blockBits - 1))
	return w.bitmap[bit>>blockLog]&(1<<(bit&(blockBits-1))) == 0
}

// Update marks seq as received after its packet passed the integrity check,
// sliding the window if seq is above the top. It returns false, changing
// nothing, if seq is a replay or too old (another packet with the same number
// may have been accepted since Check).
func (w *Window) Update(seq uint64) bool {
	if !w.Check(seq) {
		return false
	}
	if seq > w.top {
		cur := w.top >> blockLog
		next := seq >> blockLog
		diff := next - cur
		if diff > uint64(len(w.bitmap)) {
			diff = uint64(len(w.bitmap))
		}
		for i := uint64(1); i <= diff; i++ {
			w.bitmap[(cur+i)&w.mask] = 0
		}
		w.top = seq
	}
	bit := seq & (w.mask<<blockLog | (blockBits - 1))
	w.bitmap[bit>>blockLog] |= 1 << (bit & (blockBits - 1))
	return true
}
