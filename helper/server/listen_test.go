package server

import (
	"bufio"
	"net"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// umaskNow reads the process's umask from /proc/self/status without
// changing it, or skips the test where the kernel does not report it.
func umaskNow(t *testing.T) string {
	t.Helper()
	f, err := os.Open("/proc/self/status")
	if err != nil {
		t.Skipf("no /proc/self/status: %v", err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "Umask:"); ok {
			return strings.TrimSpace(v)
		}
	}
	t.Skip("the kernel does not report the umask")
	return ""
}

// TestListenLeavesUmaskAndHidesSocket watches the moment the socket is
// bound: the process-wide umask must be the one every other goroutine
// expects (changing it there made their files take the socket's mode),
// and the socket must not be reachable by anyone else while it has the
// mode that umask gives it. Afterwards the socket is at its path with its
// mode, and Close removes it.
func TestListenLeavesUmaskAndHidesSocket(t *testing.T) {
	old := syscall.Umask(0o022)
	defer syscall.Umask(old)
	want := umaskNow(t)
	dir := t.TempDir()
	sock := filepath.Join(dir, "run", "h.sock")
	binds := 0
	listenUnix = func(network string, addr *net.UnixAddr) (*net.UnixListener, error) {
		binds++
		if got := umaskNow(t); got != want {
			t.Errorf("umask while binding the socket = %s, want %s", got, want)
		}
		fi, err := os.Stat(filepath.Dir(addr.Name))
		if err != nil {
			t.Fatal(err)
		}
		if perm := fi.Mode().Perm(); perm&0o077 != 0 {
			t.Errorf("the socket is bound in %s, mode %v: others can reach it before its mode is set", filepath.Dir(addr.Name), perm)
		}
		return net.ListenUnix(network, addr)
	}
	defer func() { listenUnix = net.ListenUnix }()
	ln, err := Listen(sock, "")
	if err != nil {
		t.Fatal(err)
	}
	if binds != 1 {
		t.Fatalf("Listen bound %d sockets through listenUnix", binds)
	}
	fi, err := os.Stat(sock)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Type() != os.ModeSocket || fi.Mode().Perm() != 0o600 {
		t.Errorf("socket %v", fi.Mode())
	}
	if ln.Addr().String() != sock {
		t.Errorf("Addr = %s", ln.Addr())
	}
	c, err := net.Dial("unix", sock)
	if err != nil {
		t.Fatalf("dial the socket: %v", err)
	}
	c.Close()
	ents, _ := os.ReadDir(filepath.Dir(sock))
	if len(ents) != 1 {
		t.Errorf("the socket directory holds %d entries, want the socket alone", len(ents))
	}
	ln.Close()
	if _, err := os.Lstat(sock); !os.IsNotExist(err) {
		t.Errorf("Close left the socket: %v", err)
	}
}
