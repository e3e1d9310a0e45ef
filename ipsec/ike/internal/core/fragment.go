package core

import "github.com/espressovpn/espresso/ipsec/ike/wire"

// Limits of reassembly, so that a peer cannot make us hold unbounded
// memory (RFC 7383 §2.6.2 leaves them to the receiver).
const (
	maxFragments     = 64
	maxReassembleLen = 64 << 10
)

// reassembly collects the fragments of one message (RFC 7383 §2.6). A
// fragment of a newer message ID discards an older incomplete one; one of
// an older ID is dropped.
type reassembly struct {
	id    uint32
	total uint16
	first wire.PayloadType
	parts [][]byte
	size  int
	have  int
}

// add stores an authenticated fragment and returns the whole plaintext and
// its first payload type once every fragment is in.
func (r *reassembly) add(id uint32, o opened) (wire.PayloadType, []byte, bool) {
	if o.total == 0 || o.total > maxFragments || o.frag == 0 || o.frag > o.total {
		return 0, nil, false
	}
	if r.parts == nil || id > r.id || (id == r.id && o.total != r.total) {
		r.reset()
		r.id, r.total = id, o.total
		r.parts = make([][]byte, o.total)
	}
	if id != r.id || r.parts[o.frag-1] != nil {
		return 0, nil, false
	}
	if r.size+len(o.plain) > maxReassembleLen {
		r.reset()
		return 0, nil, false
	}
	r.parts[o.frag-1] = o.plain
	r.size += len(o.plain)
	r.have++
	if o.frag == 1 {
		r.first = o.first
	}
	if r.have < int(r.total) {
		return 0, nil, false
	}
	whole := make([]byte, 0, r.size)
	for _, p := range r.parts {
		whole = append(whole, p...)
	}
	first := r.first
	r.reset()
	r.id = id
	return first, whole, true
}

// reset drops what was collected.
func (r *reassembly) reset() {
	for _, p := range r.parts {
		clear(p)
	}
	*r = reassembly{id: r.id}
}
