// Package sad is the security association database: the SAs of the data
// path with their sequence numbers, replay windows, lifetimes and counters,
// found by SPI in constant time.
package sad

import (
	"net/netip"
	"sync"
	"sync/atomic"
	"time"

	"github.com/espressovpn/espresso/ipsec/esp"
	"github.com/espressovpn/espresso/ipsec/replay"
	"github.com/espressovpn/espresso/ipsec/spd"
)

// Direction is the direction of an SA.
type Direction uint8

// Directions.
const (
	Inbound Direction = iota
	Outbound
)

// Encap is how ESP packets of an SA travel.
type Encap uint8

// Encapsulations.
const (
	EncapUDP Encap = iota // ESP in UDP on the NAT-T port (RFC 3948)
	EncapRaw              // plain IP protocol 50
)

// Limits bound the use of an SA; zero fields are unlimited.
type Limits struct {
	Time    time.Duration
	Bytes   uint64
	Packets uint64
}

// Lifetime holds the soft limits, which ask for a rekey, and the hard ones,
// after which the SA is no longer used (RFC 4301 §4.4.2.1).
type Lifetime struct {
	Soft, Hard Limits
}

// Level is how far an SA has got through its lifetime.
type Level uint8

// Lifetime levels, in order.
const (
	Fresh Level = iota
	Soft
	Hard
)

// Cause says which limit an expiry reached.
type Cause uint8

// Expiry causes.
const (
	CauseNone Cause = iota
	CauseTime
	CauseBytes
	CausePackets
	CauseSequence // the sequence number is about to wrap or did reach its end
)

// seqSoftMargin is how many sequence numbers before the end a soft expiry
// is raised, so IKE can rekey before the counter would have to wrap, which
// RFC 4303 §3.3.3 forbids. At 10 Mpps it leaves about 1.6 s for 32-bit.
const seqSoftMargin = 1 << 24

// Route is where an SA's ESP packets go: the peer's outer address (with
// its UDP port for EncapUDP) and how they travel.
type Route struct {
	Peer  netip.AddrPort
	Encap Encap
}

// SA is one ESP SA in one direction with its state.
type SA struct {
	ESP   *esp.SA
	Dir   Direction
	ReqID uint32
	// route may change while packets are sent (RFC 4555 §3.5: MOBIKE, or a
	// NAT rebinding the peer's port, RFC 7296 §2.23), so it is read and
	// replaced atomically.
	route atomic.Pointer[Route]
	// Selectors are the SA's traffic selectors; inbound packets must match
	// one of them once decrypted.
	Selectors []spd.Selector
	Lifetime  Lifetime
	Created   time.Time

	seq    atomic.Uint64 // outbound: last number used
	seqMax uint64

	mu     sync.Mutex
	replay *replay.Window

	level atomic.Uint32
	c     counters
}

// New returns an SA. replayWindow is the inbound window size (0: default).
func New(e *esp.SA, dir Direction, replayWindow int, now time.Time) *SA {
	sa := &SA{ESP: e, Dir: dir, Created: now, seqMax: 1<<32 - 1}
	if e.ESN() {
		sa.seqMax = 1<<64 - 1
	}
	if dir == Inbound {
		sa.replay = replay.New(replayWindow, e.ESN())
	}
	return sa
}

// Route returns where the SA's packets go; the zero Route until SetRoute.
func (sa *SA) Route() Route {
	if r := sa.route.Load(); r != nil {
		return *r
	}
	return Route{}
}

// SetRoute changes where the SA's packets go; it is safe while other
// goroutines send with the SA.
func (sa *SA) SetRoute(r Route) { sa.route.Store(&r) }

// SPI returns the SA's SPI.
func (sa *SA) SPI() uint32 { return sa.ESP.SPI() }

// NextSeq returns the sequence number for the next outbound packet. ok is
// false once the numbers are used up: RFC 4303 §3.3.3 forbids cycling, so
// the SA cannot send any more. crossed is Soft or Hard when this call moved
// the SA to that level (once per level).
func (sa *SA) NextSeq() (seq uint64, ok bool, crossed Level) {
	seq = sa.seq.Add(1)
	if seq > sa.seqMax || seq == 0 {
		sa.seq.Store(sa.seqMax)
		return 0, false, sa.raise(Hard)
	}
	if sa.seqMax-seq < seqSoftMargin {
		return seq, true, sa.raise(Soft)
	}
	return seq, true, Fresh
}

// setSeq places the outbound counter; tests use it to start near the end.
func (sa *SA) setSeq(last uint64) { sa.seq.Store(last) }

// ReplayCheck infers the full sequence number of an inbound packet from the
// low 32 bits in its header and checks it against the replay window, before
// the integrity check (RFC 4303 §3.4.3).
func (sa *SA) ReplayCheck(low uint32) (uint64, bool) {
	sa.mu.Lock()
	defer sa.mu.Unlock()
	seq, ok := sa.replay.Infer(low)
	return seq, ok && sa.replay.Check(seq)
}

// ReplayUpdate records seq after the packet passed its integrity check; it
// fails if a packet with the same number was accepted meanwhile.
func (sa *SA) ReplayUpdate(seq uint64) bool {
	sa.mu.Lock()
	defer sa.mu.Unlock()
	return sa.replay.Update(seq)
}

// Count adds one packet of n bytes and returns the level it crossed, if any.
// Counters saturate rather than wrap.
func (sa *SA) Count(n int) (Level, Cause) {
	p := sa.c.packets.Add(1)
	b := sa.c.bytes.Add(uint64(n))
	h, s := sa.Lifetime.Hard, sa.Lifetime.Soft
	switch {
	case h.Packets != 0 && p >= h.Packets:
		return sa.raise(Hard), CausePackets
	case h.Bytes != 0 && b >= h.Bytes:
		return sa.raise(Hard), CauseBytes
	case s.Packets != 0 && p >= s.Packets:
		return sa.raise(Soft), CausePackets
	case s.Bytes != 0 && b >= s.Bytes:
		return sa.raise(Soft), CauseBytes
	}
	return Fresh, CauseNone
}

// Drop counts a dropped packet.
func (sa *SA) Drop(r DropReason) { sa.c.drops[r].Add(1) }

// CheckTime returns the level crossed by age at now, if any.
func (sa *SA) CheckTime(now time.Time) Level {
	age := now.Sub(sa.Created)
	switch {
	case sa.Lifetime.Hard.Time != 0 && age >= sa.Lifetime.Hard.Time:
		return sa.raise(Hard)
	case sa.Lifetime.Soft.Time != 0 && age >= sa.Lifetime.Soft.Time:
		return sa.raise(Soft)
	}
	return Fresh
}

// Level returns the SA's lifetime level.
func (sa *SA) Level() Level { return Level(sa.level.Load()) }

// Expired reports whether the SA reached a hard limit and must not be used.
func (sa *SA) Expired() bool { return sa.Level() == Hard }

// raise moves the SA up to l and returns l if this call did it, else Fresh.
func (sa *SA) raise(l Level) Level {
	for {
		cur := sa.level.Load()
		if cur >= uint32(l) {
			return Fresh
		}
		if sa.level.CompareAndSwap(cur, uint32(l)) {
			return l
		}
	}
}

// Counters returns a snapshot of the SA's counters.
func (sa *SA) Counters() Counters { return sa.c.snapshot() }
