package lab

import (
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/espressovpn/espresso/platform/linux/testnet"
)

// Binaries are the programs a lab runs.
type Binaries struct {
	Helper, Ctl string
}

// BinDirEnv names a directory holding espresso-helper and espressoctl
// already built (make test passes bin/, built once for every end-to-end
// package); Build then copies them rather than compiling its own.
const BinDirEnv = "ESPRESSO_E2E_BIN"

// Build puts espresso-helper and espressoctl into dir, which it makes
// readable by everyone so that an unprivileged user can run espressoctl:
// copied from $ESPRESSO_E2E_BIN when set, else compiled from the working
// tree.
func Build(t testnet.T, dir string) Binaries {
	t.Helper()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	b := Binaries{Helper: filepath.Join(dir, "espresso-helper"), Ctl: filepath.Join(dir, "espressoctl")}
	if from := os.Getenv(BinDirEnv); from != "" {
		for _, out := range []string{b.Helper, b.Ctl} {
			src := filepath.Join(from, filepath.Base(out))
			if err := copyExecutable(src, out); err != nil {
				t.Fatalf("%s=%s: %v (run make build, or unset it to build here)", BinDirEnv, from, err)
			}
		}
		return b
	}
	root, err := moduleRoot()
	if err != nil {
		t.Fatal(err)
	}
	for pkg, out := range map[string]string{"./helper": b.Helper, "./app/espressoctl": b.Ctl} {
		cmd := exec.Command(goTool(), "build", "-o", out, pkg)
		cmd.Dir = root
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("go build %s: %v\n%s", pkg, err, out)
		}
	}
	return b
}

// copyExecutable copies the program src to dst, executable by everyone.
func copyExecutable(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o755)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return fmt.Errorf("copying %s: %w", src, err)
	}
	return out.Close()
}

// goTool is the go command: $GO as the Makefile sets it, else the one on
// the path.
func goTool() string {
	if g := os.Getenv("GO"); g != "" {
		return g
	}
	return "go"
}

// moduleRoot is the directory of the go.mod of the working directory.
func moduleRoot() (string, error) {
	out, err := exec.Command(goTool(), "env", "GOMOD").Output()
	if err != nil {
		return "", err
	}
	return filepath.Dir(strings.TrimSpace(string(out))), nil
}
