package dgram

import (
	"net"
	"os"
	"testing"

	"golang.org/x/sys/unix"
)

func TestSetMark(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("skipping: setting SO_MARK needs root (CAP_NET_ADMIN)")
	}
	c, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	rc, err := c.SyscallConn()
	if err != nil {
		t.Fatal(err)
	}
	if err := SetMark(rc, 0x2a); err != nil {
		t.Fatal(err)
	}
	var got int
	var gerr error
	if err := rc.Control(func(fd uintptr) {
		got, gerr = unix.GetsockoptInt(int(fd), unix.SOL_SOCKET, unix.SO_MARK)
	}); err != nil {
		t.Fatal(err)
	}
	if gerr != nil || got != 0x2a {
		t.Errorf("SO_MARK = %#x, %v; want 0x2a", got, gerr)
	}
}
