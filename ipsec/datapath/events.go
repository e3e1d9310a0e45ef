package datapath

import (
	"time"

	"github.com/espressovpn/espresso/ipsec/sad"
	"github.com/espressovpn/espresso/ipsec/spd"
)

// EventKind says what an Event reports.
type EventKind uint8

// Event kinds.
const (
	// EventAcquire: a packet matched a trap policy with no SA; negotiate one
	// (RFC 4301 §4.4.1 "acquire"). The packets wait in a bounded queue.
	EventAcquire EventKind = iota + 1
	// EventSoftExpire: rekey the SA (soft lifetime, or sequence numbers
	// nearly used up).
	EventSoftExpire
	// EventHardExpire: the SA is no longer used; remove it.
	EventHardExpire
)

// Event is a notice for the IKE layer.
type Event struct {
	Kind  EventKind
	ReqID uint32
	// SPI and Dir name the SA that expired (not set for EventAcquire).
	SPI   uint32
	Dir   sad.Direction
	Cause sad.Cause
	// Flow is the packet that triggered an EventAcquire.
	Flow spd.Flow
}

// Events returns the channel of events. It is bounded; if the IKE layer
// falls behind, events are dropped and counted in Stats.EventsDropped. Each
// SA raises each expiry at most once, and each trap policy one acquire
// until an SA is installed for it, so a prompt reader loses none.
func (e *Engine) Events() <-chan Event { return e.events }

func (e *Engine) emit(ev Event) {
	select {
	case e.events <- ev:
	default:
		e.stats.eventsDropped.Add(1)
	}
}

func (e *Engine) expiry(sa *sad.SA, l sad.Level, c sad.Cause) {
	k := EventSoftExpire
	switch l {
	case sad.Fresh:
		return
	case sad.Hard:
		k = EventHardExpire
	}
	e.emit(Event{Kind: k, ReqID: sa.ReqID, SPI: sa.SPI(), Dir: sa.Dir, Cause: c})
}

// lifetimeTick is how often time lifetimes are checked.
const lifetimeTick = time.Second

// watchLifetimes raises time-based expiries. Byte, packet and sequence
// limits are checked on the data path as packets are counted.
func (e *Engine) watchLifetimes() {
	t := time.NewTicker(lifetimeTick)
	defer t.Stop()
	for {
		select {
		case now := <-t.C:
			e.sad.Each(func(sa *sad.SA) {
				e.expiry(sa, sa.CheckTime(now), sad.CauseTime)
			})
		case <-e.done:
			return
		}
	}
}
