package datapath

import (
	"sync/atomic"

	"github.com/espressovpn/espresso/ipsec/sad"
)

// Stats are the engine-wide counters.
type Stats struct {
	PacketsIn, BytesIn   uint64 // decrypted and written to the device
	PacketsOut, BytesOut uint64 // encrypted and handed to a transport
	Drops                [sad.NumDropReasons]uint64
	IKEIn                uint64 // IKE datagrams handed to the IKE handler
	Keepalives           uint64 // NAT keepalives received and dropped
	EventsDropped        uint64 // events lost to a full Events channel
	DeviceErrors         uint64 // failed device Reads other than a closed device
	// Translated counts the packets of flows that started an on-demand
	// negotiation whose address was translated (translate.go), in both
	// directions; Untranslated those of such flows that could not be (a
	// fragment, a protocol not translated, a full table), which the
	// policy then drops on the way out.
	Translated, Untranslated uint64
	// Held is how many packets trap policies hold now, waiting for an SA.
	Held uint64
}

type stats struct {
	packetsIn, bytesIn   atomic.Uint64
	packetsOut, bytesOut atomic.Uint64
	drops                [sad.NumDropReasons]atomic.Uint64
	ikeIn, keepalives    atomic.Uint64
	eventsDropped        atomic.Uint64
	deviceErrors         atomic.Uint64
	translated           atomic.Uint64
	untranslated         atomic.Uint64
}

// Stats returns a snapshot of the engine's counters.
func (e *Engine) Stats() Stats {
	s := &e.stats
	out := Stats{
		PacketsIn: s.packetsIn.Load(), BytesIn: s.bytesIn.Load(),
		PacketsOut: s.packetsOut.Load(), BytesOut: s.bytesOut.Load(),
		IKEIn: s.ikeIn.Load(), Keepalives: s.keepalives.Load(),
		EventsDropped: s.eventsDropped.Load(), DeviceErrors: s.deviceErrors.Load(),
		Translated: s.translated.Load(), Untranslated: s.untranslated.Load(),
		Held: uint64(max(e.acquiring.Load(), 0)),
	}
	for i := range s.drops {
		out.Drops[i] = s.drops[i].Load()
	}
	return out
}

// SACounters returns the counters of the Child SA whose inbound SPI is
// inSPI, for each direction.
func (e *Engine) SACounters(inSPI uint32) (in, out sad.Counters, ok bool) {
	e.mu.Lock()
	p := e.pairs[inSPI]
	e.mu.Unlock()
	if p == nil {
		return in, out, false
	}
	return p.in.Counters(), p.out.Counters(), true
}
