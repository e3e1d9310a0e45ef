package linux

import (
	"fmt"
	"os"
	"slices"
	"sync"

	"github.com/espressovpn/espresso/platform"
	"github.com/espressovpn/espresso/platform/internal/statefile"
	"golang.org/x/sys/unix"
)

// KillSwitch is the Linux platform.KillSwitch: one nf_tables table (family
// inet) per connection, named espresso-<connection>, whose output and
// forward chains refuse what the block covers. See the package documentation for why
// nf_tables and how the block outlives a crash.
type KillSwitch struct {
	dir string
	tun string
	fw  firewall
	// netns is the namespace the kill switch was made in, held open so
	// that calls from any goroutine reach it.
	netns *os.File

	mu sync.Mutex
}

var _ platform.KillSwitch = (*KillSwitch)(nil)

// KillSwitch returns the kill switch of n's connections. Its nf_tables
// calls go to the network namespace of the thread that calls KillSwitch,
// whichever goroutine makes them later: the connection manager's do. Its
// records live in n's state directory, apart from the Tunnels' (which
// Recover undoes): a block is lifted only by Release. Close releases the
// namespace, not the blocks.
func (n *Network) KillSwitch() (*KillSwitch, error) {
	ns, err := os.Open(fmt.Sprintf("/proc/self/task/%d/ns/net", unix.Gettid()))
	if err != nil {
		return nil, fmt.Errorf("kill switch: network namespace: %w", err)
	}
	return &KillSwitch{dir: n.opts.StateDir, tun: n.opts.TUNName, fw: nftablesFirewall{netns: int(ns.Fd())}, netns: ns}, nil
}

// Close lets go of the network namespace; the blocks stay in place.
func (k *KillSwitch) Close() error {
	if k.netns == nil {
		return nil
	}
	return k.netns.Close()
}

// blockRecord is the on-disk intent of one block: it exists from before
// the table is created until after it is deleted.
type blockRecord struct {
	Name   string               `json:"name"`
	Table  string               `json:"table"`
	Config platform.BlockConfig `json:"config"`
}

// blockRecords are the kill switch's records in the state directory.
var blockRecords = statefile.Kind{Prefix: "linux-killswitch-", Noun: "kill switch record"}

// tableName is the nf_tables table of connection name. Profile names are
// short ASCII (helper/profile checks), well within the 256 bytes of a
// table name.
func tableName(name string) string {
	return "espresso-" + name
}

// Engage implements platform.KillSwitch.
func (k *KillSwitch) Engage(name string, cfg *platform.BlockConfig) error {
	if err := cfg.Validate(); err != nil {
		return err
	}
	b := cfg.WithDefaults()
	k.mu.Lock()
	defer k.mu.Unlock()
	rec := blockRecord{Name: name, Table: tableName(name), Config: b}
	if err := statefile.Save(blockRecords.Path(k.dir, name), &rec); err != nil {
		return err
	}
	if err := k.fw.replace(rec.Table, blockChains(&b, k.tun)); err != nil {
		return fmt.Errorf("nftables table %s: %w", rec.Table, err)
	}
	return nil
}

// Release implements platform.KillSwitch.
func (k *KillSwitch) Release(name string) error {
	k.mu.Lock()
	defer k.mu.Unlock()
	if err := k.fw.remove(tableName(name)); err != nil {
		return fmt.Errorf("nftables table %s: %w", tableName(name), err)
	}
	return statefile.Remove(blockRecords.Path(k.dir, name))
}

// Engaged implements platform.KillSwitch from the records, so that a
// block whose table a reboot emptied is still reported: the user wanted
// that connection, and the helper engages it again when it reconnects.
func (k *KillSwitch) Engaged() ([]string, error) {
	paths, err := blockRecords.List(k.dir)
	if err != nil {
		return nil, err
	}
	var names []string
	for _, p := range paths {
		var rec blockRecord
		if err := blockRecords.Load(p, &rec); err != nil {
			return nil, err
		}
		names = append(names, rec.Name)
	}
	slices.Sort(names)
	return names, nil
}
