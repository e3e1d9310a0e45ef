package linux

import (
	"context"
	"os/exec"
)

// DNSMode selects how DNS settings reach the system.
type DNSMode int

const (
	// DNSAuto uses systemd-resolved when /etc/resolv.conf is managed by
	// it and resolvectl is installed, and the resolv.conf file otherwise.
	DNSAuto DNSMode = iota
	// DNSResolved always uses resolvectl.
	DNSResolved
	// DNSFile always rewrites the resolv.conf file.
	DNSFile
)

// Options configure a Network.
type Options struct {
	// StateDir holds the crash records and the saved resolv.conf. Required.
	StateDir string
	// TUNName is the name pattern for TUN devices; the kernel replaces %d
	// with the first free number. Default "espresso%d".
	TUNName string
	// DNS selects the DNS mechanism; default DNSAuto.
	DNS DNSMode
	// ResolvConf is the resolver file of DNSFile mode; default
	// /etc/resolv.conf.
	ResolvConf string
	// Runner runs resolvectl; default ExecRunner.
	Runner Runner
}

// Runner runs an external command and returns its combined output. Tests
// swap it to compare the commands the DNS code generates.
type Runner interface {
	Run(ctx context.Context, name string, args ...string) ([]byte, error)
}

// ExecRunner runs commands with os/exec.
type ExecRunner struct{}

// Run implements Runner.
func (ExecRunner) Run(ctx context.Context, name string, args ...string) ([]byte, error) {
	return exec.CommandContext(ctx, name, args...).CombinedOutput()
}
