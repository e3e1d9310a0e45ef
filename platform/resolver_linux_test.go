package platform

import (
	"context"
	"net"
	"os"
	"testing"

	"golang.org/x/sys/unix"
)

// TestMarkedResolverMarksItsSockets dials through the resolver's Dial, as
// a lookup does, and reads the mark back from the socket.
func TestMarkedResolverMarksItsSockets(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("setting SO_MARK needs CAP_NET_ADMIN: run as root")
	}
	ln, err := net.ListenPacket("udp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	r := MarkedResolver(KillSwitchMark)
	if !r.PreferGo {
		t.Fatal("the C library's resolver would query from unmarked sockets")
	}
	c, err := r.Dial(context.Background(), "udp", ln.LocalAddr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	raw, err := c.(*net.UDPConn).SyscallConn()
	if err != nil {
		t.Fatal(err)
	}
	var mark int
	var serr error
	raw.Control(func(fd uintptr) { mark, serr = unix.GetsockoptInt(int(fd), unix.SOL_SOCKET, unix.SO_MARK) })
	if serr != nil || uint32(mark) != KillSwitchMark {
		t.Fatalf("socket mark %#x (%v), want %#x", mark, serr, KillSwitchMark)
	}
}

func TestBypassStub(t *testing.T) {
	dir := t.TempDir()
	old := resolvedUpstream
	resolvedUpstream = dir + "/resolv.conf"
	defer func() { resolvedUpstream = old }()
	if got := bypassStub("127.0.0.53:53"); got != "127.0.0.53:53" {
		t.Errorf("without an upstream file: %s", got)
	}
	os.WriteFile(resolvedUpstream, []byte("# managed\nnameserver 127.0.0.1\nnameserver 2001:db8::53\nnameserver 192.0.2.53\n"), 0o644)
	for in, want := range map[string]string{
		"127.0.0.53:53":    "[2001:db8::53]:53",
		"127.0.0.54:53":    "[2001:db8::53]:53",
		"192.0.2.9:53":     "192.0.2.9:53",
		"[2001:db8::9]:53": "[2001:db8::9]:53",
	} {
		if got := bypassStub(in); got != want {
			t.Errorf("bypassStub(%s) = %s, want %s", in, got, want)
		}
	}
}
