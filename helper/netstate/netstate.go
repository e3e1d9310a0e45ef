// Package netstate reads the system's network state for a diagnostic
// bundle: addresses, routes, policy rules, DNS and the firewall, with each
// OS's own commands and files. What it reads is shown to the user who
// asked for the bundle, as text; nothing here changes the system.
package netstate

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"time"

	"github.com/espressovpn/espresso/helper/api"
)

// MaxOutput bounds what is kept of one command's output or one file, in
// bytes; the rest is cut with a note.
const MaxOutput = 256 << 10

// commandTimeout bounds one command.
const commandTimeout = 10 * time.Second

// Source is one part of the state: a command to run, or a file to read.
type Source struct {
	// Name names the part in the bundle, such as "routes-ipv4".
	Name string
	// Argv is the command line; empty for a file.
	Argv []string
	// File is the file to read when Argv is empty.
	File string
	// RootOnly marks a part only root may read on the system itself, such
	// as the firewall's rules: it is read for root's bundle alone.
	RootOnly bool
}

// String is the command line or the file's path.
func (s Source) String() string {
	if len(s.Argv) == 0 {
		return s.File
	}
	return strings.Join(s.Argv, " ")
}

// Sources returns what is read on goos, in the bundle's order; nil for an
// OS the helper does not run on.
func Sources(goos string) []Source {
	resolv := Source{Name: "resolv.conf", File: "/etc/resolv.conf"}
	switch goos {
	case "linux":
		return []Source{
			{Name: "kernel", Argv: []string{"uname", "-a"}},
			{Name: "addresses", Argv: []string{"ip", "address", "show"}},
			{Name: "routes-ipv4", Argv: []string{"ip", "-4", "route", "show", "table", "all"}},
			{Name: "routes-ipv6", Argv: []string{"ip", "-6", "route", "show", "table", "all"}},
			{Name: "rules-ipv4", Argv: []string{"ip", "-4", "rule", "show"}},
			{Name: "rules-ipv6", Argv: []string{"ip", "-6", "rule", "show"}},
			{Name: "dns-resolved", Argv: []string{"resolvectl", "status"}},
			resolv,
			{Name: "firewall", Argv: []string{"nft", "list", "ruleset"}, RootOnly: true},
		}
	case "darwin":
		return []Source{
			{Name: "kernel", Argv: []string{"uname", "-a"}},
			{Name: "os", Argv: []string{"sw_vers"}},
			{Name: "addresses", Argv: []string{"ifconfig", "-a"}},
			{Name: "routes", Argv: []string{"netstat", "-rn"}},
			{Name: "dns", Argv: []string{"scutil", "--dns"}},
			{Name: "network-order", Argv: []string{"scutil", "--nwi"}},
			resolv,
		}
	case "freebsd":
		return []Source{
			{Name: "kernel", Argv: []string{"uname", "-a"}},
			{Name: "addresses", Argv: []string{"ifconfig", "-a"}},
			{Name: "routes", Argv: []string{"netstat", "-rn"}},
			{Name: "dns-resolvconf", Argv: []string{"resolvconf", "-l"}},
			resolv,
		}
	}
	return nil
}

// Runner runs a command and returns its standard output and error
// together; tests swap it to see the commands.
type Runner interface {
	Run(ctx context.Context, name string, args ...string) ([]byte, error)
}

// ExecRunner runs commands with os/exec, in the C locale so that the
// output reads the same on every system.
type ExecRunner struct{}

// Run implements Runner.
func (ExecRunner) Run(ctx context.Context, name string, args ...string) ([]byte, error) {
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Env = append(os.Environ(), "LC_ALL=C")
	return cmd.CombinedOutput()
}

// Gather reads every source, in order, for a caller who is root or not:
// a RootOnly source is not read for anyone else, and says so. A command
// that fails or a file that cannot be read is reported in its
// SystemState's Error, with whatever it wrote; the others are read all
// the same.
func Gather(ctx context.Context, r Runner, sources []Source, root bool) []api.SystemState {
	out := make([]api.SystemState, 0, len(sources))
	for _, s := range sources {
		st := api.SystemState{Name: s.Name, Command: s.String()}
		if s.RootOnly && !root {
			st.Error = "only root may read this; run the diagnosis as root to include it"
			out = append(out, st)
			continue
		}
		var b []byte
		var err error
		if len(s.Argv) == 0 {
			b, err = readFile(s.File)
		} else {
			cctx, cancel := context.WithTimeout(ctx, commandTimeout)
			b, err = r.Run(cctx, s.Argv[0], s.Argv[1:]...)
			cancel()
		}
		if err != nil {
			st.Error = err.Error()
		}
		st.Output = bound(b)
		out = append(out, st)
	}
	return out
}

// readFile reads at most MaxOutput+1 bytes of path, so that bound can
// tell a cut file.
func readFile(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return io.ReadAll(io.LimitReader(f, MaxOutput+1))
}

// bound cuts b at MaxOutput, saying so.
func bound(b []byte) string {
	if len(b) <= MaxOutput {
		return string(b)
	}
	return string(b[:MaxOutput]) + fmt.Sprintf("\n[cut: more than %d bytes]\n", MaxOutput)
}
