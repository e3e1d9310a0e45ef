package statefile

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
)

// Save writes v as the record at path, readable by root only. It writes a
// temporary file beside path and renames it over path, so that a crash
// leaves the old or the new record, never half of one.
func Save(path string, v any) error {
	b, err := json.MarshalIndent(v, "", "\t")
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

// Remove deletes the record at path. A record that is already gone is not
// an error: what it listed has been undone.
func Remove(path string) error {
	if err := os.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	return nil
}
