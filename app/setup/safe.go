package setup

import (
	"fmt"
	"io/fs"
	"path/filepath"
)

// Owner is what the safety check needs to know of a path: who owns it
// and its permission bits.
type Owner struct {
	UID  int
	Mode fs.FileMode
}

// UnsafeHelperError reports a helper executable that a user other than
// root could replace or change: registering it as a service that runs
// as root would hand that user root.
type UnsafeHelperError struct {
	// Helper is the executable the app found.
	Helper string
	// Path is the file or directory that is not safe.
	Path string
	// Reason says what is wrong with Path.
	Reason string
}

func (e *UnsafeHelperError) Error() string {
	if e.Path == e.Helper {
		return fmt.Sprintf("the helper %s %s", e.Helper, e.Reason)
	}
	return fmt.Sprintf("the helper %s is in %s, which %s", e.Helper, e.Path, e.Reason)
}

// CheckHelper returns an *UnsafeHelperError unless the helper at path and
// every directory above it are owned by root and writable by no group
// and no one else; the same for the path symbolic links lead to. lstat
// describes a path without following a final symbolic link, and
// evalSymlinks resolves them (filepath.EvalSymlinks).
func CheckHelper(path string, lstat func(string) (Owner, error), evalSymlinks func(string) (string, error)) error {
	if !filepath.IsAbs(path) {
		return &UnsafeHelperError{Helper: path, Path: path, Reason: "is not an absolute path"}
	}
	if err := checkChain(path, path, lstat); err != nil {
		return err
	}
	real, err := evalSymlinks(path)
	if err != nil {
		return fmt.Errorf("checking the helper %s: %w", path, err)
	}
	if real != path {
		return checkChain(path, real, lstat)
	}
	return nil
}

// checkChain checks p and each directory above it.
func checkChain(helper, p string, lstat func(string) (Owner, error)) error {
	for p = filepath.Clean(p); ; p = filepath.Dir(p) {
		o, err := lstat(p)
		if err != nil {
			return fmt.Errorf("checking the helper %s: %w", helper, err)
		}
		// A symbolic link's own bits mean nothing; its directory's do,
		// and the path it leads to is checked by itself.
		if o.Mode.Type() != fs.ModeSymlink {
			switch {
			case o.UID != 0:
				return &UnsafeHelperError{Helper: helper, Path: p, Reason: fmt.Sprintf("is owned by user id %d, not by root", o.UID)}
			case o.Mode.Perm()&0o022 != 0:
				return &UnsafeHelperError{Helper: helper, Path: p, Reason: fmt.Sprintf("can be changed by users other than root (mode %04o)", o.Mode.Perm())}
			}
		}
		if p == filepath.Dir(p) {
			return nil
		}
	}
}
