package server

import (
	"errors"
	"fmt"
	"io/fs"
	"net"
	"os"
	"os/user"
	"path/filepath"
	"strconv"
	"syscall"
	"time"
)

// ErrAlreadyRunning is returned by Listen when another helper answers on
// the socket.
var ErrAlreadyRunning = errors.New("another helper is already listening on the socket")

// Listen creates the helper's Unix socket at path: its directory if
// missing (0755: the socket's own mode guards it), a stale socket left by
// a crashed helper removed, the socket mode 0660 and group group when that
// group exists, else 0600 so only root gets in. The peer check of every
// connection stays the authority; the mode keeps others from even
// connecting.
func Listen(path, group string) (net.Listener, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return nil, fmt.Errorf("socket directory: %w", err)
	}
	if err := removeStale(path); err != nil {
		return nil, err
	}
	// The socket is created with the process umask; make it private from
	// the first instant and open it up to the group afterwards.
	old := syscall.Umask(0o177)
	ln, err := net.Listen("unix", path)
	syscall.Umask(old)
	if err != nil {
		return nil, fmt.Errorf("listen on %s: %w", path, err)
	}
	if err := setSocketAccess(path, group); err != nil {
		ln.Close()
		return nil, err
	}
	return ln, nil
}

func setSocketAccess(path, group string) error {
	if group == "" {
		return os.Chmod(path, 0o600)
	}
	g, err := user.LookupGroup(group)
	if err != nil {
		return os.Chmod(path, 0o600)
	}
	gid, err := strconv.Atoi(g.Gid)
	if err != nil {
		return fmt.Errorf("group %s: bad gid %q", group, g.Gid)
	}
	if err := os.Chown(path, os.Geteuid(), gid); err != nil {
		return fmt.Errorf("socket owner: %w", err)
	}
	return os.Chmod(path, 0o660)
}

// removeStale removes a socket file nobody listens on; it refuses to touch
// a live socket or anything that is not a socket.
func removeStale(path string) error {
	fi, err := os.Lstat(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	if fi.Mode().Type() != fs.ModeSocket {
		return fmt.Errorf("%s exists and is not a socket", path)
	}
	c, err := net.DialTimeout("unix", path, time.Second)
	if err == nil {
		c.Close()
		return ErrAlreadyRunning
	}
	return os.Remove(path)
}
