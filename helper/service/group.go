package service

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"slices"
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

// createdMarker is the file in the state directory that records that
// install created the group, so that uninstall removes it and only then.
const createdMarker = ".group-created"

// RecordGroupCreated notes in stateDir that install created the group.
func RecordGroupCreated(stateDir string) error {
	if err := os.MkdirAll(stateDir, 0o700); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(stateDir, createdMarker), nil, 0o600)
}

// RemoveCreatedGroup deletes group name if install recorded in stateDir
// that it created it, and reports whether it did.
func RemoveCreatedGroup(ctx context.Context, r Runner, stateDir, name string) (bool, error) {
	marker := filepath.Join(stateDir, createdMarker)
	if _, err := os.Stat(marker); errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	if _, err := user.LookupGroup(name); err == nil {
		argv := groupDeleteCommand(name)
		if len(argv) == 0 {
			return false, fmt.Errorf("deleting group %s: not supported on this OS", name)
		}
		if out, err := r.Run(ctx, argv[0], argv[1:]...); err != nil {
			return false, fmt.Errorf("deleting group %s: %v: %s", name, err, out)
		}
	}
	return true, os.Remove(marker)
}

// AddMember adds the user named userName to group name unless it is a
// member already, and reports whether it added it.
func AddMember(ctx context.Context, r Runner, name, userName string) (bool, error) {
	u, err := user.Lookup(userName)
	if err != nil {
		return false, fmt.Errorf("adding %s to group %s: %w", userName, name, err)
	}
	g, err := user.LookupGroup(name)
	if err != nil {
		return false, fmt.Errorf("adding %s to group %s: %w", userName, name, err)
	}
	if gids, err := u.GroupIds(); err == nil && slices.Contains(gids, g.Gid) {
		return false, nil
	}
	argv := addMemberCommand(name, userName)
	if len(argv) == 0 {
		return false, fmt.Errorf("adding %s to group %s: not supported on this OS", userName, name)
	}
	if out, err := r.Run(ctx, argv[0], argv[1:]...); err != nil {
		return false, fmt.Errorf("adding %s to group %s: %v: %s", userName, name, err, out)
	}
	return true, nil
}
