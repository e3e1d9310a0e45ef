package bsd

import (
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
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

const recordPrefix = "bsd-tunnel-"

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
