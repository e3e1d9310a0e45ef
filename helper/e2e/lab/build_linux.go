package lab

import (
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

// Build compiles espresso-helper and espressoctl into dir, which it makes
// readable by everyone so that an unprivileged user can run espressoctl.
func Build(t testnet.T, dir string) Binaries {
	t.Helper()
	root, err := moduleRoot()
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	b := Binaries{Helper: filepath.Join(dir, "espresso-helper"), Ctl: filepath.Join(dir, "espressoctl")}
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
