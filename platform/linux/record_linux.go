package linux

import (
	"slices"

	"github.com/espressovpn/espresso/platform/internal/statefile"
)

// record is what a Tunnel has done to the system, kept on disk so that a
// later helper process can undo it after a crash. Objects are added before
// the kernel call that creates them and removed after the call that
// deletes them, so the record never misses anything present.
type record struct {
	Tunnel string      `json:"tunnel"`
	Device string      `json:"device,omitempty"`
	Addrs  []addrSpec  `json:"addrs,omitempty"`
	Routes []routeSpec `json:"routes,omitempty"`
	Rules  []ruleSpec  `json:"rules,omitempty"`
	DNS    *dnsRecord  `json:"dns,omitempty"`
}

// dnsRecord says how DNS was changed and how to undo it.
type dnsRecord struct {
	// Mode is "resolved" or "file".
	Mode string `json:"mode"`
	// Link is the device resolved was configured on.
	Link string `json:"link,omitempty"`
	// Path is the resolver file that was rewritten.
	Path string `json:"path,omitempty"`
	// Backup holds the file's original content.
	Backup string `json:"backup,omitempty"`
	// Symlink is the original link target when Path was a symbolic link.
	Symlink string `json:"symlink,omitempty"`
}

func (r *record) clone() record {
	c := *r
	c.Addrs = slices.Clone(r.Addrs)
	c.Routes = slices.Clone(r.Routes)
	c.Rules = slices.Clone(r.Rules)
	if r.DNS != nil {
		d := *r.DNS
		c.DNS = &d
	}
	return c
}

// tunnelRecords are the Tunnels' records in the state directory.
var tunnelRecords = statefile.Kind{Prefix: "linux-tunnel-", Noun: "state record"}

func loadRecord(path string) (*record, error) {
	var r record
	if err := tunnelRecords.Load(path, &r); err != nil {
		return nil, err
	}
	return &r, nil
}
