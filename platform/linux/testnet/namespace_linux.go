package testnet

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"

	"github.com/vishvananda/netns"
)

// RequireRoot skips the test, with a message saying why, unless it runs as root
// on a machine that has the ip command and every tool named.
func RequireRoot(t T, tools ...string) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("skipping: needs root for network namespaces (run make test as root)")
	}
	for _, tool := range append([]string{"ip"}, tools...) {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("skipping: %s is not installed (make deps installs it)", tool)
		}
	}
}

// Namespace is a network namespace made for one test.
type Namespace struct {
	// Name is the name under /run/netns, unique to the test.
	Name string
	t    T
}

// NewNamespace creates a namespace whose name starts with prefix, brings up its
// loopback interface and deletes the namespace when the test ends.
func NewNamespace(t T, prefix string) *Namespace {
	t.Helper()
	var b [3]byte
	if _, err := rand.Read(b[:]); err != nil {
		t.Fatal(err)
	}
	ns := &Namespace{Name: "esp-" + prefix + "-" + hex.EncodeToString(b[:]), t: t}
	if out, err := exec.Command("ip", "netns", "add", ns.Name).CombinedOutput(); err != nil {
		t.Fatalf("ip netns add %s: %v: %s", ns.Name, err, out)
	}
	t.Cleanup(func() {
		// Processes still inside would keep the namespace alive; each test stops
		// its own by PID before this runs (cleanups run last-in first-out).
		if out, err := exec.Command("ip", "netns", "del", ns.Name).CombinedOutput(); err != nil {
			t.Logf("ip netns del %s: %v: %s", ns.Name, err, out)
		}
	})
	ns.MustRun("ip", "link", "set", "lo", "up")
	return ns
}

// Run runs a command inside the namespace and returns its combined output.
func (ns *Namespace) Run(args ...string) (string, error) {
	return ns.RunContext(context.Background(), args...)
}

// RunContext is Run that kills the command when ctx is done, for commands
// that could otherwise wait forever on a network that went away.
func (ns *Namespace) RunContext(ctx context.Context, args ...string) (string, error) {
	cmd := exec.CommandContext(ctx, "ip", append([]string{"netns", "exec", ns.Name}, args...)...)
	// A program that is interrupted mid-command takes the command with it.
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	out, err := cmd.CombinedOutput()
	if err != nil {
		return string(out), fmt.Errorf("%s in %s: %w: %s", strings.Join(args, " "), ns.Name, err, strings.TrimSpace(string(out)))
	}
	return string(out), nil
}

// MustRun is Run that fails the test on error.
func (ns *Namespace) MustRun(args ...string) string {
	ns.t.Helper()
	out, err := ns.Run(args...)
	if err != nil {
		ns.t.Fatal(err)
	}
	return out
}

// Command returns a command that runs inside the namespace, for callers that
// start it themselves (see Start for one the test stops on its own).
func (ns *Namespace) Command(args ...string) *exec.Cmd {
	return exec.Command("ip", append([]string{"netns", "exec", ns.Name}, args...)...)
}

// Do runs f on an OS thread switched into the namespace. Sockets and TUN devices
// opened by f stay in the namespace after Do returns, which is how a test puts
// in-process code (an IKE daemon, a helper) on the client side of a network.
func (ns *Namespace) Do(f func() error) error {
	errc := make(chan error, 1)
	go func() {
		// The thread is never unlocked: if switching back failed, it must die with
		// the goroutine rather than serve others inside the wrong namespace.
		runtime.LockOSThread()
		orig, err := netns.Get()
		if err != nil {
			errc <- err
			return
		}
		defer orig.Close()
		target, err := netns.GetFromName(ns.Name)
		if err != nil {
			errc <- err
			return
		}
		defer target.Close()
		if err := netns.Set(target); err != nil {
			errc <- err
			return
		}
		ferr := f()
		if err := netns.Set(orig); err != nil {
			errc <- fmt.Errorf("returning from namespace %s: %w", ns.Name, err)
			return
		}
		runtime.UnlockOSThread()
		errc <- ferr
	}()
	return <-errc
}

// Link joins two namespaces with a veth pair: interface aName in a and bName in b,
// both up.
func Link(t T, a *Namespace, aName string, b *Namespace, bName string) {
	t.Helper()
	if out, err := exec.Command("ip", "-n", a.Name, "link", "add", aName, "type", "veth",
		"peer", "name", bName, "netns", b.Name).CombinedOutput(); err != nil {
		t.Fatalf("veth %s/%s: %v: %s", a.Name, b.Name, err, out)
	}
	a.MustRun("ip", "link", "set", aName, "up")
	b.MustRun("ip", "link", "set", bName, "up")
}

// Addr adds addresses (CIDR notation) to an interface of the namespace. IPv6
// addresses skip duplicate address detection so they are usable at once.
func (ns *Namespace) Addr(dev string, cidrs ...string) {
	ns.t.Helper()
	for _, c := range cidrs {
		args := []string{"ip", "addr", "add", c, "dev", dev}
		if strings.Contains(c, ":") {
			args = append(args, "nodad")
		}
		ns.MustRun(args...)
	}
}

// ResolvConf gives the namespace a resolver file of its own: `ip netns
// exec` binds /etc/netns/NAME/resolv.conf over /etc/resolv.conf for the
// programs it starts, so a helper that rewrites the resolver file in the
// namespace leaves the host's alone. It returns the file's path on the
// host; the directory is removed when the test ends. Call it before
// starting the programs.
func (ns *Namespace) ResolvConf(content string) string {
	ns.t.Helper()
	dir := filepath.Join("/etc/netns", ns.Name)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		ns.t.Fatal(err)
	}
	ns.t.Cleanup(func() { os.RemoveAll(dir) })
	path := filepath.Join(dir, "resolv.conf")
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		ns.t.Fatal(err)
	}
	return path
}

// Forward turns on IPv4 and IPv6 forwarding inside the namespace.
func (ns *Namespace) Forward() {
	ns.t.Helper()
	ns.MustRun("sysctl", "-q", "-w", "net.ipv4.ip_forward=1")
	ns.MustRun("sysctl", "-q", "-w", "net.ipv6.conf.all.forwarding=1")
}
