package statefile

import (
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
)

// Kind is one family of records in a state directory: the files whose
// names are Prefix, the hex-encoded name of what they record, and ".json".
type Kind struct {
	// Prefix starts the file name of every record of the kind, so that
	// several kinds share a state directory without mistaking each
	// other's records.
	Prefix string
	// Noun names a record of the kind in errors ("state record").
	Noun string
}

// Path is where the record of name lives in dir. The name is hex-encoded,
// so any connection name makes a safe file name.
func (k Kind) Path(dir, name string) string {
	return filepath.Join(dir, k.Prefix+hex.EncodeToString([]byte(name))+".json")
}

// List returns the paths of every record of the kind in dir, sorted. A
// record being replaced (its temporary file) is not listed.
func (k Kind) List(dir string) ([]string, error) {
	paths, err := filepath.Glob(filepath.Join(dir, k.Prefix+"*.json"))
	if err != nil {
		return nil, err
	}
	slices.Sort(paths)
	return paths, nil
}

// Load decodes the record at path into v. A file that cannot be read
// returns the error of reading it, so that callers can test for
// fs.ErrNotExist; one that does not decode returns an error naming the
// kind and the file.
func (k Kind) Load(path string, v any) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(b, v); err != nil {
		return fmt.Errorf("%s %s: %w", k.Noun, filepath.Base(path), err)
	}
	return nil
}
