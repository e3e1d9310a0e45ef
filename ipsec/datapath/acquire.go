package datapath

import (
	"github.com/espressovpn/espresso/ipsec/sad"
	"github.com/espressovpn/espresso/ipsec/spd"
)

// hold keeps an outbound packet of trap policy g until an SA is installed,
// and raises an acquire for the first one. It reports false (the caller
// drops the packet) when the group's or the engine's hold limit is reached.
// The caller holds outMu.
func (e *Engine) hold(g *group, x *elem, f spd.Flow) bool {
	g.pmu.Lock()
	defer g.pmu.Unlock()
	if !g.acquireSent {
		g.acquireSent = true
		e.emit(Event{Kind: EventAcquire, ReqID: g.reqID, Flow: f})
	}
	if len(g.pending) >= e.cfg.AcquireQueue {
		return false
	}
	if e.acquiring.Add(1) > int64(e.cfg.AcquireTotal) {
		e.acquiring.Add(-1)
		return false
	}
	g.pending = append(g.pending, x)
	return true
}

// release sends the packets g holds through its new SA, in the order they
// came, ahead of any later packet (outMu orders them); those whose source
// the SA's selectors do not cover are translated (adopt). The caller
// holds e.mu and outMu.
func (e *Engine) release(g *group) {
	g.pmu.Lock()
	held := g.pending
	g.pending = nil
	g.acquireSent = false
	g.pmu.Unlock()
	if len(held) == 0 {
		return
	}
	e.acquiring.Add(-int64(len(held)))
	b := e.outBatches.get(e.done)
	if b == nil {
		return
	}
	for i, x := range held {
		if len(b.elems) == cap(b.elems) {
			e.queueOut(b)
			if b = e.outBatches.get(e.done); b == nil {
				for _, y := range held[i:] {
					e.outElems.put(y)
				}
				return
			}
		}
		e.adopt(g, x)
		switch e.route(x) {
		case routed:
			b.elems = append(b.elems, x)
		case dropped:
			e.outElems.put(x)
		}
	}
	e.queueOut(b)
}

// dropHeld discards the packets g holds.
func (e *Engine) dropHeld(g *group) {
	g.pmu.Lock()
	held := g.pending
	g.pending = nil
	g.acquireSent = false
	g.pmu.Unlock()
	e.acquiring.Add(-int64(len(held)))
	for _, x := range held {
		e.drop(nil, sad.DropNoSA)
		e.outElems.put(x)
	}
}
