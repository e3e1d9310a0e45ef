package dgram

import (
	"net"
	"os"
	"testing"

	"golang.org/x/sys/unix"
)

// TestSetBuffers: the socket's buffers grow from the system's default.
func TestSetBuffers(t *testing.T) {
	c, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	rc, err := c.SyscallConn()
	if err != nil {
		t.Fatal(err)
	}
	get := func(opt int) int {
		var v int
		var serr error
		if err := rc.Control(func(fd uintptr) { v, serr = unix.GetsockoptInt(int(fd), unix.SOL_SOCKET, opt) }); err != nil {
			t.Fatal(err)
		}
		if serr != nil {
			t.Fatal(serr)
		}
		return v
	}
	r0, s0 := get(unix.SO_RCVBUF), get(unix.SO_SNDBUF)
	if r0 >= SocketBuffer || s0 >= SocketBuffer {
		t.Skipf("the system's default buffers (%d, %d) are already this large", r0, s0)
	}
	if err := SetBuffers(rc, SocketBuffer); err != nil {
		t.Fatal(err)
	}
	r1, s1 := get(unix.SO_RCVBUF), get(unix.SO_SNDBUF)
	t.Logf("receive buffer %d -> %d, send buffer %d -> %d", r0, r1, s0, s1)
	if (r1 <= r0 || s1 <= s0) && os.Geteuid() != 0 {
		t.Skip("not root: net.core.rmem_max and wmem_max cap the sizes")
	}
	if r1 <= r0 || s1 <= s0 {
		t.Errorf("buffers did not grow: receive %d -> %d, send %d -> %d", r0, r1, s0, s1)
	}
}
