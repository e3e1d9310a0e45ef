package platform

import "strings"

// Change says what a Monitor saw change, as a set of bits; one report may
// carry several.
type Change uint8

// The kinds of change a Monitor reports.
const (
	// ChangeRoute: a default route appeared, went or moved to another
	// gateway or interface.
	ChangeRoute Change = 1 << iota
	// ChangeAddress: a local address was added or removed.
	ChangeAddress
	// ChangeLink: an interface went up or down.
	ChangeLink
	// ChangeWake: the system resumed from sleep; the gateway may have
	// dropped the connection meanwhile and the network under it is likely
	// to be new.
	ChangeWake
)

// String lists the bits of c in words, for logs.
func (c Change) String() string {
	var parts []string
	for _, b := range []struct {
		bit  Change
		name string
	}{{ChangeRoute, "default route"}, {ChangeAddress, "address"}, {ChangeLink, "link"}, {ChangeWake, "wake"}} {
		if c&b.bit != 0 {
			parts = append(parts, b.name)
		}
	}
	if len(parts) == 0 {
		return "none"
	}
	return strings.Join(parts, ", ")
}

// Monitor reports changes of the network the connections run over: the
// default route, local addresses, links going up or down, and resumes
// from sleep. Changes to the helper's own TUN devices and routing table
// are not reported, so that configuring a tunnel does not look like a new
// network. Bursts (a Wi-Fi association brings a link, an address and a
// route within a second) are merged into one report once they settle.
//
// A Monitor runs one goroutine, which Close stops.
type Monitor interface {
	// Changes delivers one report per settled burst. A report the
	// receiver has not taken yet absorbs later changes, so a slow
	// receiver misses nothing and never blocks the monitor. The channel
	// is closed by Close.
	Changes() <-chan Change

	// Close stops the monitor and waits until its goroutine has ended.
	Close() error
}
