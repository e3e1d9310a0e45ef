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

// ErrNotOwner is returned when a user changes a profile that belongs to
// another user.
var ErrNotOwner = errors.New("the profile belongs to another user")

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
	Migrate(&p)
	return p, nil
}

// Put stores p as root would: PutAs(p, replace, Root).
func (s *Store) Put(p api.Profile, replace bool) (api.Profile, error) {
	return s.PutAs(p, replace, Root)
}

// PutAs stores p on behalf of the user uid. Unless replace is set, a
// profile of the same name must not exist (ErrExists). A new profile
// belongs to uid; a replaced one keeps its owner, and only its owner or
// root may replace it. Only root may set the root-only fields
// (RootOnlyChange). Secrets p leaves empty with their Has* flag set are
// taken from the stored profile (see api.Profile), unless a field they
// are bound to changes (BindingChange). p is validated first; the error
// is an *api.Error naming the field. PutAs returns the profile as stored,
// secrets included.
func (s *Store) PutAs(p api.Profile, replace bool, uid uint32) (api.Profile, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !ValidName(p.Name) {
		return api.Profile{}, Validate(&p)
	}
	old, err := s.Get(p.Name)
	switch {
	case err == nil && !replace:
		return api.Profile{}, ErrExists
	case err == nil && !CanView(&old, uid):
		return api.Profile{}, ErrNotOwner
	case err == nil:
		p.Owner = old.Owner
	case errors.Is(err, ErrNotFound):
		p.Owner = uid
	default:
		return api.Profile{}, err
	}
	if p.Shared && p.Owner != Root {
		return api.Profile{}, api.FieldError(api.FieldShared, "only a profile root owns can be shared")
	}
	if uid != Root {
		if f := RootOnlyChange(&p, &old); f != "" {
			return api.Profile{}, api.FieldError(f, "only root may set %s", f)
		}
	}
	if old.Name == "" && uid != Root {
		if n, err := s.countOwned(uid); err != nil {
			return api.Profile{}, err
		} else if n >= MaxProfilesPerUser {
			return api.Profile{}, api.Errorf(api.CodeBadRequest, "you own %d profiles, the limit per user is %d; remove one first", n, MaxProfilesPerUser)
		}
	}
	changed := ""
	if old.Name != "" {
		changed = BindingChange(&p, &old)
	}
	p = MergeSecrets(p, old)
	if err := Validate(&p); err != nil {
		var e *api.Error
		if changed != "" && errors.As(err, &e) && secretFields[e.Field] {
			return api.Profile{}, api.FieldError(e.Field, "%s changed, so the stored %s was not kept; send it again", changed, e.Field)
		}
		return api.Profile{}, err
	}
	data, err := json.MarshalIndent(p, "", "  ")
	if err != nil {
		return api.Profile{}, err
	}
	if len(data) > MaxProfileSize {
		return api.Profile{}, api.Errorf(api.CodeBadRequest, "the profile is %d bytes; the limit per profile is %d bytes", len(data), MaxProfileSize)
	}
	if err := writeAtomic(s.dir, p.Name+".json", append(data, '\n')); err != nil {
		return api.Profile{}, fmt.Errorf("profile store: %w", err)
	}
	return p, nil
}

// countOwned returns how many stored profiles uid owns.
func (s *Store) countOwned(uid uint32) (int, error) {
	ps, err := s.List()
	if err != nil {
		return 0, err
	}
	n := 0
	for _, p := range ps {
		if p.Owner == uid {
			n++
		}
	}
	return n, nil
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
// when p's Has* flag asks to keep it and no field the secrets are bound
// to changed (BindingChange), and with every Has* flag cleared: the flags
// describe a stored profile, they are not stored themselves.
func MergeSecrets(p, old api.Profile) api.Profile {
	bound := old.Name == "" || BindingChange(&p, &old) == ""
	keep := func(v *string, has bool, stored string) {
		if *v == "" && has && bound {
			*v = stored
		}
	}
	keep(&p.PSK, p.HasPSK, old.PSK)
	// A file sent in place of the stored data replaces it.
	keep(&p.Key, p.HasKey && p.KeyFile == "", old.Key)
	keep(&p.P12, p.HasP12 && p.P12File == "", old.P12)
	keep(&p.P12Password, p.HasP12Password, old.P12Password)
	keep(&p.Password, p.HasPassword, old.Password)
	p.HasPSK, p.HasKey, p.HasP12, p.HasP12Password, p.HasPassword = false, false, false, false, false
	return p
}
