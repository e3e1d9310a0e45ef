package lab

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/espressovpn/espresso/helper/api"
	"github.com/espressovpn/espresso/platform/linux/testnet"
)

// ctlTimeout bounds one espressoctl command; `up` waits for the whole
// negotiation.
const ctlTimeout = 90 * time.Second

// Helper is an espresso-helper running in a namespace with its own socket
// and state directory.
type Helper struct {
	// Dir holds the socket, the state directory, the log and profile files.
	Dir              string
	Socket, StateDir string
	// ResolvConf is the namespace's resolver file on the host.
	ResolvConf string
	NS         *testnet.Namespace
	Bins       Binaries

	t     testnet.T
	proc  *testnet.Process
	runs  int
	extra []string
}

// StartHelper starts the helper in ns. The namespace gets a resolver file
// of its own first, so DNS changes stay inside it.
func StartHelper(t testnet.T, ns *testnet.Namespace, bins Binaries) *Helper {
	t.Helper()
	return StartHelperArgs(t, ns, bins)
}

// StartHelperArgs is StartHelper with more arguments for `run` (such as
// --cpuprofile).
func StartHelperArgs(t testnet.T, ns *testnet.Namespace, bins Binaries, extra ...string) *Helper {
	t.Helper()
	dir, err := os.MkdirTemp("", "espresso-helper-")
	if err != nil {
		t.Fatal(err)
	}
	// The directory is open to all so that the socket's own mode, not the
	// directory's, is what keeps other users out.
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	h := &Helper{
		Dir: dir, Socket: filepath.Join(dir, "helper.sock"), StateDir: filepath.Join(dir, "state"),
		NS: ns, Bins: bins, t: t, extra: extra,
	}
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("helper log of %s:\n%s", ns.Name, h.Log())
		}
		os.RemoveAll(dir)
	})
	// The gateway's outer address, where StartDNS can answer.
	h.ResolvConf = ns.ResolvConf("nameserver " + testnet.GatewayV4.String() + "\n")
	h.Start()
	return h
}

// Start (re)starts the helper process and waits for its socket.
func (h *Helper) Start() {
	h.t.Helper()
	h.runs++
	cmd := h.NS.Command(append([]string{h.Bins.Helper, "run", "--socket", h.Socket, "--state-dir", h.StateDir}, h.extra...)...)
	h.proc = testnet.Start(h.t, cmd, filepath.Join(h.Dir, fmt.Sprintf("helper-%d.log", h.runs)))
	for deadline := time.Now().Add(15 * time.Second); ; {
		if c, err := net.Dial("unix", h.Socket); err == nil {
			c.Close()
			return
		}
		if h.proc.Exited() || time.Now().After(deadline) {
			h.t.Fatalf("the helper did not start:\n%s", h.Log())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// Kill ends the helper with SIGKILL, as a crash would, and waits for it.
func (h *Helper) Kill() {
	h.t.Helper()
	if err := h.proc.Signal(syscall.SIGKILL); err != nil {
		h.t.Fatal(err)
	}
	if ok, _ := h.proc.Wait(10 * time.Second); !ok {
		h.t.Fatal("the helper survived SIGKILL")
	}
}

// Stop ends the helper with SIGTERM, as the service manager does, and
// waits for it to exit.
func (h *Helper) Stop() {
	h.t.Helper()
	if err := h.proc.Signal(syscall.SIGTERM); err != nil {
		h.t.Fatal(err)
	}
	if ok, _ := h.proc.Wait(40 * time.Second); !ok {
		h.t.Fatal("the helper did not stop within 40s of SIGTERM")
	}
}

// PID is the helper's process ID (`ip netns exec` execs it in place).
func (h *Helper) PID() int { return h.proc.PID() }

// PeakRSS is the helper's peak resident set so far, in KiB (VmHWM).
func (h *Helper) PeakRSS() (int, error) { return PeakRSSOf(h.PID()) }

// Log returns the log of every run of the helper so far.
func (h *Helper) Log() string {
	var b strings.Builder
	for i := 1; i <= h.runs; i++ {
		out, _ := os.ReadFile(filepath.Join(h.Dir, fmt.Sprintf("helper-%d.log", i)))
		b.Write(out)
	}
	return b.String()
}

// Ctl runs espressoctl against this helper and returns its output.
func (h *Helper) Ctl(args ...string) (string, error) {
	return h.CtlInput("", args...)
}

// CtlInput is Ctl with stdin as espressoctl's standard input (for
// `up --password-stdin`).
func (h *Helper) CtlInput(stdin string, args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), ctlTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, h.Bins.Ctl, append([]string{"--socket", h.Socket}, args...)...)
	cmd.Stdin = strings.NewReader(stdin)
	out, err := cmd.CombinedOutput()
	if err != nil {
		return string(out), fmt.Errorf("espressoctl %s: %w: %s", strings.Join(args, " "), err, strings.TrimSpace(string(out)))
	}
	return string(out), nil
}

// MustCtl is Ctl that fails on error.
func (h *Helper) MustCtl(args ...string) string {
	h.t.Helper()
	out, err := h.Ctl(args...)
	if err != nil {
		h.t.Fatal(err)
	}
	return out
}

// Import writes p as a profile file and imports it with espressoctl.
func (h *Helper) Import(p api.Profile) {
	h.t.Helper()
	b, err := json.MarshalIndent(p, "", "  ")
	if err != nil {
		h.t.Fatal(err)
	}
	path := filepath.Join(h.Dir, p.Name+".json")
	if err := os.WriteFile(path, b, 0o600); err != nil {
		h.t.Fatal(err)
	}
	h.MustCtl("import", path)
}

// Status returns `espressoctl status --json NAME`.
func (h *Helper) Status(name string) (api.ConnectionStatus, error) {
	var st api.ConnectionStatus
	out, err := h.Ctl("status", "--json", name)
	if err != nil {
		return st, err
	}
	if err := json.Unmarshal([]byte(out), &st); err != nil {
		return st, fmt.Errorf("status --json: %w: %s", err, out)
	}
	return st, nil
}
