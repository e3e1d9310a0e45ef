package spd

import (
	"net/netip"
	"slices"
	"sync"
)

// Table maps flows to values (policies) by their selectors. The remote
// prefix is looked up by longest-prefix match: host prefixes (/32, /128),
// the common case with many policies, in a hash map in front, so such a
// lookup costs one map probe whatever the number of policies; shorter
// prefixes in a binary trie per address family, at most one step per
// address bit. Selectors sharing a remote prefix are then tried from the
// narrowest. It is safe for concurrent use; lookups share a read lock.
type Table[V comparable] struct {
	mu    sync.RWMutex
	v4    node[V]
	v6    node[V]
	hosts map[netip.Addr][]entry[V]
	size  int
}

type node[V comparable] struct {
	child   [2]*node[V]
	entries []entry[V]
}

type entry[V comparable] struct {
	sel Selector
	val V
}

// Len returns the number of selectors in the table.
func (t *Table[V]) Len() int {
	t.mu.RLock()
	defer t.mu.RUnlock()
	return t.size
}

func (t *Table[V]) root(a netip.Addr) *node[V] {
	if a.Is4() {
		return &t.v4
	}
	return &t.v6
}

// Add adds sel with value v. Selectors whose local and remote prefixes are
// of different families are ignored, as no packet can match them.
func (t *Table[V]) Add(sel Selector, v V) {
	sel.Local, sel.Remote = sel.Local.Masked(), sel.Remote.Masked()
	if !sel.Remote.IsValid() || !sel.Local.IsValid() || sel.Local.Addr().Is4() != sel.Remote.Addr().Is4() {
		return
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	t.size++
	if sel.Remote.IsSingleIP() {
		if t.hosts == nil {
			t.hosts = map[netip.Addr][]entry[V]{}
		}
		a := sel.Remote.Addr()
		t.hosts[a] = insertEntry(t.hosts[a], sel, v)
		return
	}
	n := t.root(sel.Remote.Addr())
	a := sel.Remote.Addr().As16()
	off := 0
	if sel.Remote.Addr().Is4() {
		off = 96
	}
	for i := range sel.Remote.Bits() {
		b := bit(&a, off+i)
		if n.child[b] == nil {
			n.child[b] = &node[V]{}
		}
		n = n.child[b]
	}
	n.entries = insertEntry(n.entries, sel, v)
}

// insertEntry adds sel to entries of one remote prefix, kept narrowest first.
func insertEntry[V comparable](entries []entry[V], sel Selector, v V) []entry[V] {
	i := len(entries)
	for j, e := range entries {
		if sel.narrower(e.sel) {
			i = j
			break
		}
	}
	return slices.Insert(entries, i, entry[V]{sel, v})
}

// Remove removes the selector sel with value v, as given to Add, in time
// independent of the number of policies; it reports whether it was there.
func (t *Table[V]) Remove(sel Selector, v V) bool {
	sel.Local, sel.Remote = sel.Local.Masked(), sel.Remote.Masked()
	if !sel.Remote.IsValid() {
		return false
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	match := func(e entry[V]) bool { return e.sel == sel && e.val == v }
	if sel.Remote.IsSingleIP() {
		a := sel.Remote.Addr()
		es := t.hosts[a]
		i := slices.IndexFunc(es, match)
		if i < 0 {
			return false
		}
		if es = slices.Delete(es, i, i+1); len(es) == 0 {
			delete(t.hosts, a)
		} else {
			t.hosts[a] = es
		}
		t.size--
		return true
	}
	n := t.root(sel.Remote.Addr())
	a := sel.Remote.Addr().As16()
	off := 0
	if sel.Remote.Addr().Is4() {
		off = 96
	}
	for i := 0; n != nil && i < sel.Remote.Bits(); i++ {
		n = n.child[bit(&a, off+i)]
	}
	if n == nil {
		return false
	}
	i := slices.IndexFunc(n.entries, match)
	if i < 0 {
		return false
	}
	n.entries = slices.Delete(n.entries, i, i+1)
	t.size--
	return true
}

// RemoveValue removes every selector whose value is v. Emptied trie nodes are
// kept; they cost a little memory until the table is dropped.
func (t *Table[V]) RemoveValue(v V) {
	t.mu.Lock()
	defer t.mu.Unlock()
	for _, r := range []*node[V]{&t.v4, &t.v6} {
		t.removeIn(r, v)
	}
	for a, es := range t.hosts {
		before := len(es)
		es = slices.DeleteFunc(es, func(e entry[V]) bool { return e.val == v })
		t.size -= before - len(es)
		if len(es) == 0 {
			delete(t.hosts, a)
		} else {
			t.hosts[a] = es
		}
	}
}

func (t *Table[V]) removeIn(n *node[V], v V) {
	if n == nil {
		return
	}
	before := len(n.entries)
	n.entries = slices.DeleteFunc(n.entries, func(e entry[V]) bool { return e.val == v })
	t.size -= before - len(n.entries)
	t.removeIn(n.child[0], v)
	t.removeIn(n.child[1], v)
}

// Lookup returns the value of the most specific selector covering an
// outbound packet with flow f.
func (t *Table[V]) Lookup(f Flow) (V, bool) {
	t.mu.RLock()
	defer t.mu.RUnlock()
	// A host prefix is the longest there is, so its selectors come first.
	for _, e := range t.hosts[f.Dst] {
		if e.sel.Outbound(f) {
			return e.val, true
		}
	}
	var path [129]*node[V]
	depth := 0
	n := t.root(f.Dst)
	a := f.Dst.As16()
	off, bits := 0, 128
	if f.Dst.Is4() {
		off, bits = 96, 32
	}
	for i := 0; n != nil; i++ {
		if len(n.entries) > 0 {
			path[depth] = n
			depth++
		}
		if i == bits {
			break
		}
		n = n.child[bit(&a, off+i)]
	}
	for d := depth - 1; d >= 0; d-- {
		for _, e := range path[d].entries {
			if e.sel.Outbound(f) {
				return e.val, true
			}
		}
	}
	var zero V
	return zero, false
}

func bit(a *[16]byte, i int) int {
	return int(a[i/8]>>(7-i%8)) & 1
}
