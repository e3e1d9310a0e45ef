package sad

import "sync/atomic"

// DropReason says why a packet was dropped.
type DropReason uint8

// Drop reasons, counted per SA where an SA is known and per engine always.
const (
	DropNone      DropReason = iota
	DropReplay               // replayed or older than the window (RFC 4303 §3.4.3)
	DropIntegrity            // ICV mismatch (RFC 4303 §3.4.4)
	DropPolicy               // no policy, or decrypted packet outside the SA's selectors (RFC 4301 §5.2)
	DropQueueFull            // a bounded queue was full
	DropNoSA                 // unknown SPI, no SA for the policy, or SA expired
	DropMalformed            // not a valid ESP, IP or IKE packet
	DropDummy                // dummy packet, next header 59 (RFC 4303 §2.6); not an error
	DropSend                 // the transport or device refused the packet
	NumDropReasons
)

var dropNames = [NumDropReasons]string{"none", "replay", "integrity", "policy", "queue_full", "no_sa", "malformed", "dummy", "send"}

// String returns the reason as used in counters' names.
func (r DropReason) String() string {
	if r < NumDropReasons {
		return dropNames[r]
	}
	return "unknown"
}

// Counters are a snapshot of packet, byte and drop counts.
type Counters struct {
	Packets uint64
	Bytes   uint64
	Drops   [NumDropReasons]uint64
}

// counters are the live, atomically updated form of Counters.
type counters struct {
	packets atomic.Uint64
	bytes   atomic.Uint64
	drops   [NumDropReasons]atomic.Uint64
}

func (c *counters) snapshot() Counters {
	var s Counters
	s.Packets = c.packets.Load()
	s.Bytes = c.bytes.Load()
	for i := range c.drops {
		s.Drops[i] = c.drops[i].Load()
	}
	return s
}
