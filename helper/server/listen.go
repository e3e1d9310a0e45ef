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
	"sync"
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
//
// The socket is bound in a private directory (0700) next to path, given
// its mode and group there, and only then renamed to path: it is never
// reachable with the mode the umask would give it, and the process-wide
// umask is left alone, since other goroutines may be creating files
// meanwhile. Closing the listener removes the socket.
func Listen(path, group string) (net.Listener, error) {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("socket directory: %w", err)
	}
	if err := removeStale(path); err != nil {
		return nil, err
	}
	private, err := os.MkdirTemp(dir, ".listen-")
	if err != nil {
		return nil, fmt.Errorf("socket directory: %w", err)
	}
	defer os.RemoveAll(private)
	tmp := filepath.Join(private, "socket")
	ln, err := listenUnix("unix", &net.UnixAddr{Name: tmp, Net: "unix"})
	if err != nil {
		return nil, fmt.Errorf("listen on %s: %w", path, err)
	}
	ln.SetUnlinkOnClose(false)
	if err := setSocketAccess(tmp, group); err != nil {
		ln.Close()
		return nil, err
	}
	if err := os.Rename(tmp, path); err != nil {
		ln.Close()
		return nil, fmt.Errorf("listen on %s: %w", path, err)
	}
	return &unixListener{UnixListener: ln, path: path}, nil
}

// listenUnix is net.ListenUnix; tests watch the moment of the bind.
var listenUnix = net.ListenUnix

// unixListener is a socket renamed to path after its bind: it reports
// path as its address and removes it on Close, as net.UnixListener does
// with the name it was bound to.
type unixListener struct {
	*net.UnixListener
	path string
	once sync.Once
}

// Addr returns the socket's path.
func (l *unixListener) Addr() net.Addr { return &net.UnixAddr{Name: l.path, Net: "unix"} }

// Close stops listening and removes the socket.
func (l *unixListener) Close() error {
	err := l.UnixListener.Close()
	l.once.Do(func() { os.Remove(l.path) })
	return err
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
