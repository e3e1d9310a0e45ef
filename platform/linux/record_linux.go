package linux

import (
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
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

const recordPrefix = "linux-tunnel-"

// recordPath is where the record of the tunnel called name lives; the name
// is hex-encoded so any connection name makes a safe file name.
func recordPath(dir, name string) string {
	return filepath.Join(dir, recordPrefix+hex.EncodeToString([]byte(name))+".json")
}

// save writes the record atomically: a crash leaves the old or the new
// version, never half of one.
func (r *record) save(path string) error {
	b, err := json.MarshalIndent(r, "", "\t")
	if err != nil {
		return err
	}
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, b, 0o600); err != nil {
		return fmt.Errorf("write state record: %w", err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("write state record: %w", err)
	}
	return nil
}

func loadRecord(path string) (*record, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var r record
	if err := json.Unmarshal(b, &r); err != nil {
		return nil, fmt.Errorf("state record %s: %w", filepath.Base(path), err)
	}
	return &r, nil
}

// listRecords returns the paths of every tunnel record in dir.
func listRecords(dir string) ([]string, error) {
	paths, err := filepath.Glob(filepath.Join(dir, recordPrefix+"*.json"))
	if err != nil {
		return nil, err
	}
	slices.Sort(paths)
	return paths, nil
}

func removeRecord(path string) error {
	if err := os.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	return nil
}
