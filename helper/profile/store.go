package profile

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"

	"github.com/espressovpn/espresso/helper/api"
)

// ErrNotFound is returned for a profile that is not stored.
var ErrNotFound = errors.New("profile not found")

// ErrExists is returned when creating a profile whose name is taken.
var ErrExists = errors.New("profile exists")

// File modes of the store: only root may list the profiles or read them,
// because the files hold secrets.
const (
	dirMode  fs.FileMode = 0o700
	fileMode fs.FileMode = 0o600
)

// Store keeps profiles as files in a directory. It is safe for concurrent
// use; writers are serialised.
type Store struct {
	dir string
	mu  sync.Mutex
}

// Open returns the store in dir, creating it (mode 0700) if needed, and
// tightening its mode if it was looser.
func Open(dir string) (*Store, error) {
	if err := os.MkdirAll(dir, dirMode); err != nil {
		return nil, fmt.Errorf("profile store: %w", err)
	}
	if err := os.Chmod(dir, dirMode); err != nil {
		return nil, fmt.Errorf("profile store: %w", err)
	}
	return &Store{dir: dir}, nil
}

// Dir returns the store's directory.
func (s *Store) Dir() string { return s.dir }

func (s *Store) path(name string) string { return filepath.Join(s.dir, name+".json") }

// List returns every stored profile, secrets included, sorted by name. A
// file that does not parse is reported as an error naming it.
func (s *Store) List() ([]api.Profile, error) {
	entries, err := os.ReadDir(s.dir)
	if err != nil {
		return nil, fmt.Errorf("profile store: %w", err)
	}
	var out []api.Profile
	for _, e := range entries {
		name, ok := strings.CutSuffix(e.Name(), ".json")
		if !ok || !e.Type().IsRegular() || !ValidName(name) {
			continue
		}
		p, err := s.Get(name)
		if errors.Is(err, ErrNotFound) {
			continue // removed since ReadDir
		}
		if err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	slices.SortFunc(out, func(a, b api.Profile) int { return strings.Compare(a.Name, b.Name) })
	return out, nil
}

// Get returns the profile called name, secrets included.
func (s *Store) Get(name string) (api.Profile, error) {
	if !ValidName(name) {
		return api.Profile{}, ErrNotFound
	}
	data, err := os.ReadFile(s.path(name))
	if errors.Is(err, fs.ErrNotExist) {
		return api.Profile{}, ErrNotFound
	}
	if err != nil {
		return api.Profile{}, fmt.Errorf("profile store: %w", err)
	}
	var p api.Profile
	if err := json.Unmarshal(data, &p); err != nil {
		return api.Profile{}, fmt.Errorf("profile store: %s: %w", s.path(name), err)
	}
	p.Name = name
	return p, nil
}

// Put stores p. Unless replace is set, a profile of the same name must not
// exist (ErrExists). Secrets p leaves empty with their Has* flag set are
// taken from the stored profile (see api.Profile). p is validated first; the
// error is an *api.Error naming the field. Put returns the profile as
// stored, secrets included.
func (s *Store) Put(p api.Profile, replace bool) (api.Profile, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !ValidName(p.Name) {
		return api.Profile{}, Validate(&p)
	}
	old, err := s.Get(p.Name)
	switch {
	case err == nil && !replace:
		return api.Profile{}, ErrExists
	case err == nil:
		p = MergeSecrets(p, old)
	case errors.Is(err, ErrNotFound):
		p = MergeSecrets(p, api.Profile{})
	default:
		return api.Profile{}, err
	}
	if err := Validate(&p); err != nil {
		return api.Profile{}, err
	}
	data, err := json.MarshalIndent(p, "", "  ")
	if err != nil {
		return api.Profile{}, err
	}
	if err := writeAtomic(s.dir, p.Name+".json", append(data, '\n')); err != nil {
		return api.Profile{}, fmt.Errorf("profile store: %w", err)
	}
	return p, nil
}

// Delete removes the profile called name.
func (s *Store) Delete(name string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !ValidName(name) {
		return ErrNotFound
	}
	err := os.Remove(s.path(name))
	if errors.Is(err, fs.ErrNotExist) {
		return ErrNotFound
	}
	if err != nil {
		return fmt.Errorf("profile store: %w", err)
	}
	return syncDir(s.dir)
}

// MergeSecrets returns p with each secret it leaves empty taken from old
// when p's Has* flag asks to keep it, and with every Has* flag cleared:
// the flags describe a stored profile, they are not stored themselves.
func MergeSecrets(p, old api.Profile) api.Profile {
	keep := func(v *string, has bool, stored string) {
		if *v == "" && has {
			*v = stored
		}
	}
	keep(&p.PSK, p.HasPSK, old.PSK)
	keep(&p.Key, p.HasKey, old.Key)
	keep(&p.P12, p.HasP12, old.P12)
	keep(&p.P12Password, p.HasP12Password, old.P12Password)
	keep(&p.Password, p.HasPassword, old.Password)
	p.HasPSK, p.HasKey, p.HasP12, p.HasP12Password, p.HasPassword = false, false, false, false, false
	return p
}
