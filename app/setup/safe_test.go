package setup

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"testing"
)

// fakeFS is a file tree with owners, for CheckHelper.
type fakeFS map[string]Owner

func (f fakeFS) lstat(p string) (Owner, error) {
	if o, ok := f[p]; ok {
		return o, nil
	}
	return Owner{}, fs.ErrNotExist
}

// safeTree is /usr/bin/espresso-helper as a package installs it.
func safeTree() fakeFS {
	return fakeFS{
		"/":                           {0, fs.ModeDir | 0o755},
		"/usr":                        {0, fs.ModeDir | 0o755},
		"/usr/bin":                    {0, fs.ModeDir | 0o755},
		"/usr/bin/espresso-helper":    {0, 0o755},
		"/home":                       {0, fs.ModeDir | 0o755},
		"/home/alice":                 {1000, fs.ModeDir | 0o755},
		"/home/alice/espresso-helper": {0, 0o755},
		"/opt":                        {0, fs.ModeDir | 0o775},
		"/opt/espresso-helper":        {0, 0o755},
		"/bin":                        {0, fs.ModeSymlink | 0o777},
	}
}

func noLinks(p string) (string, error) { return p, nil }

func TestCheckHelperAcceptsARootOwnedTree(t *testing.T) {
	f := safeTree()
	if err := CheckHelper("/usr/bin/espresso-helper", f.lstat, noLinks); err != nil {
		t.Errorf("package's helper: %v", err)
	}
	// /bin -> /usr/bin: the link is not judged by its own bits, the
	// target's tree is checked.
	links := func(p string) (string, error) { return "/usr/bin/espresso-helper", nil }
	f["/bin/espresso-helper"] = Owner{0, 0o755}
	if err := CheckHelper("/bin/espresso-helper", f.lstat, links); err != nil {
		t.Errorf("through a link: %v", err)
	}
}

func TestCheckHelperRefuses(t *testing.T) {
	tests := []struct {
		name, helper, path string
		change             func(fakeFS)
		links              func(string) (string, error)
	}{
		{"a file a user owns", "/usr/bin/espresso-helper", "/usr/bin/espresso-helper",
			func(f fakeFS) { f["/usr/bin/espresso-helper"] = Owner{1000, 0o755} }, noLinks},
		{"a world-writable file", "/usr/bin/espresso-helper", "/usr/bin/espresso-helper",
			func(f fakeFS) { f["/usr/bin/espresso-helper"] = Owner{0, 0o757} }, noLinks},
		{"a group-writable file", "/usr/bin/espresso-helper", "/usr/bin/espresso-helper",
			func(f fakeFS) { f["/usr/bin/espresso-helper"] = Owner{0, 0o775} }, noLinks},
		{"a directory a user owns", "/home/alice/espresso-helper", "/home/alice", nil, noLinks},
		{"a group-writable directory", "/opt/espresso-helper", "/opt", nil, noLinks},
		{"a world-writable directory above", "/usr/bin/espresso-helper", "/usr",
			func(f fakeFS) { f["/usr"] = Owner{0, fs.ModeDir | 0o777} }, noLinks},
		{"a link to a user's file", "/usr/bin/espresso-helper", "/home/alice",
			nil, func(string) (string, error) { return "/home/alice/espresso-helper", nil }},
	}
	for _, tc := range tests {
		f := safeTree()
		if tc.change != nil {
			tc.change(f)
		}
		err := CheckHelper(tc.helper, f.lstat, tc.links)
		var ue *UnsafeHelperError
		if !errors.As(err, &ue) {
			t.Errorf("%s: %v, want an UnsafeHelperError", tc.name, err)
			continue
		}
		if ue.Path != tc.path || ue.Helper != tc.helper {
			t.Errorf("%s: names %s (helper %s), want %s", tc.name, ue.Path, ue.Helper, tc.path)
		}
	}
	if err := CheckHelper("espresso-helper", safeTree().lstat, noLinks); err == nil {
		t.Error("a relative path passed")
	}
	if err := CheckHelper("/nowhere/espresso-helper", safeTree().lstat, noLinks); err == nil {
		t.Error("a missing path passed")
	}
}

// On the real file system: a helper in a temporary directory (under the
// world-writable /tmp, or owned by a user) is refused and the error says
// where; Locate carries it.
func TestCheckHelperOnDisk(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("no Unix owners")
	}
	dir := t.TempDir()
	helper := filepath.Join(dir, HelperName)
	if err := os.WriteFile(helper, []byte("#!/bin/sh\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	err := CheckHelper(helper, Lstat, filepath.EvalSymlinks)
	var ue *UnsafeHelperError
	if !errors.As(err, &ue) {
		t.Fatalf("helper in %s: %v", dir, err)
	}
	t.Logf("refused: %v", err)
	in := Locate(System{GOOS: runtime.GOOS, Executable: filepath.Join(dir, "espresso"),
		LookPath: func(string) (string, error) { return "", errors.New("none") },
		IsFile:   func(p string) bool { return p == helper },
		Lstat:    Lstat, EvalSymlinks: filepath.EvalSymlinks})
	if in.HelperPath != helper || !errors.As(in.Unsafe, &ue) {
		t.Errorf("Locate: %+v", in)
	}
	if _, err := StartCommand("linux", in); !errors.As(err, &ue) {
		t.Errorf("StartCommand took the unsafe helper: %v", err)
	}
}
