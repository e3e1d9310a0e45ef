package statefile

import (
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

var tunnels = Kind{Prefix: "test-tunnel-", Noun: "state record"}

type sample struct {
	Tunnel string   `json:"tunnel"`
	Routes []string `json:"routes,omitempty"`
}

func TestPathHexEncodesName(t *testing.T) {
	dir := t.TempDir()
	for name, want := range map[string]string{
		"work":      "test-tunnel-776f726b.json",
		"../../etc": "test-tunnel-2e2e2f2e2e2f657463.json",
		"":          "test-tunnel-.json",
	} {
		got := tunnels.Path(dir, name)
		if got != filepath.Join(dir, want) {
			t.Errorf("Path(%q) = %s, want %s in %s", name, got, want, dir)
		}
	}
}

func TestSaveLoadRoundTrip(t *testing.T) {
	path := tunnels.Path(t.TempDir(), "work")
	in := sample{Tunnel: "work", Routes: []string{"198.51.100.0/24"}}
	if err := Save(path, &in); err != nil {
		t.Fatal(err)
	}
	var out sample
	if err := tunnels.Load(path, &out); err != nil {
		t.Fatal(err)
	}
	if out.Tunnel != in.Tunnel || !slices.Equal(out.Routes, in.Routes) {
		t.Errorf("loaded %+v, saved %+v", out, in)
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("mode %v, want 0600: records name the system's DNS and routes", fi.Mode().Perm())
	}
}

// TestSaveReplaces checks that a second Save replaces the record whole and
// leaves no temporary file behind.
func TestSaveReplaces(t *testing.T) {
	dir := t.TempDir()
	path := tunnels.Path(dir, "work")
	if err := Save(path, &sample{Tunnel: "work", Routes: []string{"198.51.100.0/24", "203.0.113.0/24"}}); err != nil {
		t.Fatal(err)
	}
	if err := Save(path, &sample{Tunnel: "work"}); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var raw map[string]any
	if err := json.Unmarshal(b, &raw); err != nil {
		t.Fatalf("record is not JSON: %v", err)
	}
	if _, ok := raw["routes"]; ok {
		t.Errorf("routes of the first version survived the second: %s", b)
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 1 {
		t.Errorf("directory holds %d files after two saves, want 1", len(entries))
	}
}

func TestSaveFails(t *testing.T) {
	dir := t.TempDir()
	notDir := filepath.Join(dir, "file")
	if err := os.WriteFile(notDir, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	err := Save(filepath.Join(notDir, "rec.json"), &sample{})
	if err == nil || !strings.HasPrefix(err.Error(), "write state record: ") {
		t.Errorf("Save under a file: %v, want a write state record error", err)
	}
	if err := Save(tunnels.Path(dir, "x"), func() {}); err == nil {
		t.Error("Save of a value JSON cannot encode succeeded")
	}
}

func TestLoadErrors(t *testing.T) {
	dir := t.TempDir()
	var s sample
	if err := tunnels.Load(tunnels.Path(dir, "gone"), &s); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("Load of a missing record: %v, want fs.ErrNotExist", err)
	}
	path := tunnels.Path(dir, "torn")
	if err := os.WriteFile(path, []byte(`{"tunnel": "to`), 0o600); err != nil {
		t.Fatal(err)
	}
	err := tunnels.Load(path, &s)
	var syntax *json.SyntaxError
	if !errors.As(err, &syntax) {
		t.Fatalf("Load of a torn record: %v, want a JSON syntax error", err)
	}
	if want := "state record " + filepath.Base(path) + ": "; !strings.HasPrefix(err.Error(), want) {
		t.Errorf("error %q does not start with %q", err, want)
	}
	blocks := Kind{Prefix: "test-block-", Noun: "kill switch record"}
	if err := blocks.Load(path, &s); err == nil || !strings.HasPrefix(err.Error(), "kill switch record ") {
		t.Errorf("error %v does not name the kind", err)
	}
}

// TestListOnlyItsKind checks that List returns this kind's records sorted,
// and neither another kind's nor a temporary file left by a crash.
func TestListOnlyItsKind(t *testing.T) {
	dir := t.TempDir()
	blocks := Kind{Prefix: "test-block-", Noun: "kill switch record"}
	for _, name := range []string{"b", "a", "c"} {
		if err := Save(tunnels.Path(dir, name), &sample{Tunnel: name}); err != nil {
			t.Fatal(err)
		}
	}
	if err := Save(blocks.Path(dir, "a"), &sample{Tunnel: "a"}); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(tunnels.Path(dir, "d")+".tmp", []byte("{"), 0o600); err != nil {
		t.Fatal(err)
	}
	got, err := tunnels.List(dir)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{tunnels.Path(dir, "a"), tunnels.Path(dir, "b"), tunnels.Path(dir, "c")}
	if !slices.Equal(got, want) {
		t.Errorf("List = %v, want %v", got, want)
	}
	if got, err := tunnels.List(filepath.Join(dir, "missing")); err != nil || len(got) != 0 {
		t.Errorf("List of a missing directory = %v, %v; want none", got, err)
	}
}

func TestRemove(t *testing.T) {
	dir := t.TempDir()
	path := tunnels.Path(dir, "work")
	if err := Save(path, &sample{Tunnel: "work"}); err != nil {
		t.Fatal(err)
	}
	if err := Remove(path); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(path); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("record still there after Remove: %v", err)
	}
	if err := Remove(path); err != nil {
		t.Errorf("Remove of a removed record: %v, want nil", err)
	}
	full := filepath.Join(dir, "full")
	if err := os.MkdirAll(filepath.Join(full, "x"), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := Remove(full); err == nil {
		t.Error("Remove of a non-empty directory succeeded")
	}
}
