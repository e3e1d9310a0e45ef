package xlat

import (
	"net/netip"
	"sync"
	"sync/atomic"
)

// Flow is a flow as this host's side sees it: Local is this host's address
// and port, Remote the other end's. Ports are zero for protocols without
// them (ICMP).
type Flow struct {
	Proto         uint8
	Local, Remote netip.AddrPort
}

// Table holds the translated flows, at most a fixed number, in both
// directions: by the flow the system sent (to translate its next packets)
// and by the flow on the wire (to translate the replies back). It is safe
// for concurrent use; Len costs one atomic load, so callers on a hot path
// check it first.
type Table struct {
	max int
	n   atomic.Int32

	mu  sync.RWMutex
	out map[Flow]netip.Addr // the system's flow → the address it gets
	in  map[Flow]netip.Addr // the flow on the wire → the original address
}

// NewTable returns a table that holds at most max flows.
func NewTable(max int) *Table {
	return &Table{max: max, out: map[Flow]netip.Addr{}, in: map[Flow]netip.Addr{}}
}

// Add records that the local address of f becomes to. It reports false,
// recording nothing, when the table is full or when the flow on the wire
// would be one that another translated flow already has.
func (t *Table) Add(f Flow, to netip.Addr) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	if old, ok := t.out[f]; ok {
		return old == to
	}
	w := Flow{Proto: f.Proto, Local: netip.AddrPortFrom(to, f.Local.Port()), Remote: f.Remote}
	if len(t.out) >= t.max {
		return false
	}
	if _, ok := t.in[w]; ok {
		return false
	}
	t.out[f] = to
	t.in[w] = f.Local.Addr()
	t.n.Store(int32(len(t.out)))
	return true
}

// Out returns the address the local address of the system's flow f is
// translated to.
func (t *Table) Out(f Flow) (netip.Addr, bool) {
	t.mu.RLock()
	defer t.mu.RUnlock()
	a, ok := t.out[f]
	return a, ok
}

// In returns the original local address of the flow on the wire f, to
// which a reply of f goes back.
func (t *Table) In(f Flow) (netip.Addr, bool) {
	t.mu.RLock()
	defer t.mu.RUnlock()
	a, ok := t.in[f]
	return a, ok
}

// Len returns the number of translated flows.
func (t *Table) Len() int { return int(t.n.Load()) }

// Clear forgets every flow.
func (t *Table) Clear() {
	t.mu.Lock()
	defer t.mu.Unlock()
	clear(t.out)
	clear(t.in)
	t.n.Store(0)
}
