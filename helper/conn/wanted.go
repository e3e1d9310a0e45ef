package conn

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"sync"
)

// Wanted is what the helper keeps about always-on connections across its
// restarts and reboots, in one file of its state directory: the default
// always-on profile, and the always-on profiles the user disconnected,
// which stay down until the user connects them again. Every change is
// written before it takes effect, replacing the file atomically.
type Wanted struct {
	path string

	mu sync.Mutex
	f  wantedFile
}

// wantedFile is the file's JSON.
type wantedFile struct {
	// Default is the default always-on profile; empty for none.
	Default string `json:"default,omitempty"`
	// Down are the always-on profiles the user disconnected.
	Down []string `json:"down,omitempty"`
}

// OpenWanted reads the file at path; a missing file is an empty one.
func OpenWanted(path string) (*Wanted, error) {
	w := &Wanted{path: path}
	b, err := os.ReadFile(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return w, nil
	case err != nil:
		return nil, fmt.Errorf("always-on state: %w", err)
	}
	if err := json.Unmarshal(b, &w.f); err != nil {
		return nil, fmt.Errorf("always-on state %s: %w", path, err)
	}
	return w, nil
}

// Default returns the default always-on profile, "" for none.
func (w *Wanted) Default() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.f.Default
}

// SetDefault makes name the default always-on profile; "" clears it.
func (w *Wanted) SetDefault(name string) error {
	return w.change(func(f *wantedFile) { f.Default = name })
}

// HeldDown reports whether the user disconnected the always-on profile
// name and has not connected it since.
func (w *Wanted) HeldDown(name string) bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	return slices.Contains(w.f.Down, name)
}

// SetHeldDown records the user's down (true) or connect (false) of name.
func (w *Wanted) SetHeldDown(name string, down bool) error {
	if w.HeldDown(name) == down {
		return nil
	}
	return w.change(func(f *wantedFile) {
		f.Down = slices.DeleteFunc(f.Down, func(n string) bool { return n == name })
		if down {
			f.Down = append(f.Down, name)
		}
	})
}

// Forget drops what is kept about a removed profile.
func (w *Wanted) Forget(name string) error {
	return w.change(func(f *wantedFile) {
		if f.Default == name {
			f.Default = ""
		}
		f.Down = slices.DeleteFunc(f.Down, func(n string) bool { return n == name })
	})
}

// change applies edit and writes the file; on a write error nothing
// changes.
func (w *Wanted) change(edit func(*wantedFile)) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	next := w.f
	next.Down = slices.Clone(w.f.Down)
	edit(&next)
	if err := writeWanted(w.path, next); err != nil {
		return fmt.Errorf("always-on state: %w", err)
	}
	w.f = next
	return nil
}

// writeWanted replaces the file at path with f: a temporary file beside
// it, synced and renamed over it, so that a crash or a power loss leaves
// the old or the new content.
func writeWanted(path string, f wantedFile) error {
	b, err := json.MarshalIndent(f, "", "\t")
	if err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(append(b, '\n')); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}
