package lab

import (
	"os"
	"path/filepath"
	"testing"
)

// TestBuildCopiesPrebuilt checks that with ESPRESSO_E2E_BIN set, Build
// copies the programs found there, executable by everyone, rather than
// compiling its own.
func TestBuildCopiesPrebuilt(t *testing.T) {
	from := t.TempDir()
	for _, name := range []string{"espresso-helper", "espressoctl"} {
		if err := os.WriteFile(filepath.Join(from, name), []byte("#!/bin/sh\necho "+name+"\n"), 0o700); err != nil {
			t.Fatal(err)
		}
	}
	t.Setenv(BinDirEnv, from)
	dir := filepath.Join(t.TempDir(), "bin")
	b := Build(t, dir)
	for _, p := range []string{b.Helper, b.Ctl} {
		fi, err := os.Stat(p)
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode().Perm() != 0o755 {
			t.Errorf("%s: mode %v, want 0755", p, fi.Mode().Perm())
		}
		got, _ := os.ReadFile(p)
		if want := "#!/bin/sh\necho " + filepath.Base(p) + "\n"; string(got) != want {
			t.Errorf("%s holds %q, want the copy %q", p, got, want)
		}
	}
}
