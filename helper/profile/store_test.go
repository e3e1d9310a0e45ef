package profile

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/espressovpn/espresso/helper/api"
)

func TestStoreRoundTripAndModes(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "profiles")
	s, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	p := validPSK()
	p.RemoteTS = []string{"198.51.100.0/24"}
	if _, err := s.Put(p, false); err != nil {
		t.Fatal(err)
	}
	got, err := s.Get("work")
	if err != nil {
		t.Fatal(err)
	}
	if got.PSK != p.PSK || got.Gateway != p.Gateway || got.RemoteTS[0] != "198.51.100.0/24" {
		t.Error("stored profile differs from the one put")
	}
	if got.HasPSK {
		t.Error("has_psk stored in the file")
	}
	fi, err := os.Stat(dir)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o700 {
		t.Errorf("dir mode = %v", fi.Mode().Perm())
	}
	fi, err = os.Stat(filepath.Join(dir, "work.json"))
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("file mode = %v", fi.Mode().Perm())
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Errorf("directory holds %d entries, want only the profile", len(entries))
	}

	if _, err := s.Put(p, false); !errors.Is(err, ErrExists) {
		t.Errorf("second create: %v, want ErrExists", err)
	}
	if err := s.Delete("work"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Get("work"); !errors.Is(err, ErrNotFound) {
		t.Errorf("get after delete: %v", err)
	}
	if err := s.Delete("work"); !errors.Is(err, ErrNotFound) {
		t.Errorf("second delete: %v", err)
	}
}

func TestStoreTightensLooseDirectory(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "profiles")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if _, err := Open(dir); err != nil {
		t.Fatal(err)
	}
	fi, _ := os.Stat(dir)
	if fi.Mode().Perm() != 0o700 {
		t.Errorf("dir mode = %v", fi.Mode().Perm())
	}
}

func TestStoreKeepsSecretsOnEdit(t *testing.T) {
	s, err := Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Put(validPSK(), false); err != nil {
		t.Fatal(err)
	}
	// A client edits what it read back: secret empty, flag set.
	edited := validPSK().Redacted()
	edited.MTU = 1300
	if _, err := s.Put(edited, true); err != nil {
		t.Fatal(err)
	}
	got, _ := s.Get("work")
	if got.PSK != validPSK().PSK || got.MTU != 1300 {
		t.Error("edit lost the PSK or the change")
	}

	// Clearing the flag removes the secret, which psk auth refuses.
	edited.HasPSK = false
	_, err = s.Put(edited, true)
	var e *api.Error
	if !errors.As(err, &e) || e.Field != "psk" {
		t.Errorf("removing the PSK of a psk profile: %v", err)
	}

	// A new profile cannot borrow a secret through the flag.
	other := validPSK().Redacted()
	other.Name = "other"
	if _, err := s.Put(other, false); !errors.As(err, &e) || e.Field != "psk" {
		t.Errorf("has_psk on a new profile: %v", err)
	}
}

func TestStoreListSortedAndSkipsStrays(t *testing.T) {
	dir := t.TempDir()
	s, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range []string{"zeta", "alpha", "mid"} {
		p := validPSK()
		p.Name = n
		if _, err := s.Put(p, false); err != nil {
			t.Fatal(err)
		}
	}
	os.WriteFile(filepath.Join(dir, ".x.json.tmp1"), []byte("{"), 0o600)
	os.WriteFile(filepath.Join(dir, "notes.txt"), []byte("x"), 0o600)
	ps, err := s.List()
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, p := range ps {
		names = append(names, p.Name)
	}
	if len(names) != 3 || names[0] != "alpha" || names[1] != "mid" || names[2] != "zeta" {
		t.Errorf("names = %v", names)
	}
	if _, err := s.Get("../x"); !errors.Is(err, ErrNotFound) {
		t.Errorf("Get of a path: %v", err)
	}
}
