package service

import (
	"context"
	"fmt"
	"os/exec"
	"os/user"
)

// Runner runs a system command; tests swap it to see the commands.
type Runner interface {
	Run(ctx context.Context, name string, args ...string) ([]byte, error)
}

// ExecRunner runs commands with os/exec.
type ExecRunner struct{}

// Run implements Runner.
func (ExecRunner) Run(ctx context.Context, name string, args ...string) ([]byte, error) {
	return exec.CommandContext(ctx, name, args...).CombinedOutput()
}

// EnsureGroup creates the system group name unless it exists, with the
// OS's own tool (groupCommand). It reports whether it created the group.
func EnsureGroup(ctx context.Context, r Runner, name string) (bool, error) {
	if _, err := user.LookupGroup(name); err == nil {
		return false, nil
	}
	argv := groupCommand(name)
	if len(argv) == 0 {
		return false, fmt.Errorf("creating group %s: not supported on this OS", name)
	}
	if out, err := r.Run(ctx, argv[0], argv[1:]...); err != nil {
		return false, fmt.Errorf("creating group %s: %v: %s", name, err, out)
	}
	return true, nil
}
