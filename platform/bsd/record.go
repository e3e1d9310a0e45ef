package bsd

import (
	"net/netip"

	"github.com/espressovpn/espresso/platform/internal/statefile"
)

// record is what a Tunnel has done to the system, kept on disk so that a
// later helper process can undo it after a crash. Routes are added to it
// before the message that creates them and dropped after the one that
// deletes them, so it never misses anything present.
type record struct {
	Tunnel  string         `json:"tunnel"`
	Devices []deviceRecord `json:"devices,omitempty"`
	Routes  []routeSpec    `json:"routes,omitempty"`
	DNS     *DNSRequest    `json:"dns,omitempty"`
}

// deviceRecord is a TUN device and the virtual IP it was given.
type deviceRecord struct {
	Name string       `json:"name"`
	Addr netip.Prefix `json:"addr,omitzero"`
}

// tunnelRecords are the Tunnels' records in the state directory.
var tunnelRecords = statefile.Kind{Prefix: "bsd-tunnel-", Noun: "state record"}

func loadRecord(path string) (*record, error) {
	var r record
	if err := tunnelRecords.Load(path, &r); err != nil {
		return nil, err
	}
	return &r, nil
}
