//go:build !linux

package dgram

import (
	"errors"
	"net"
	"testing"
)

func TestSetMarkUnsupported(t *testing.T) {
	c, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Skipf("no IPv4 loopback socket here: %v", err)
	}
	defer c.Close()
	rc, err := c.SyscallConn()
	if err != nil {
		t.Fatal(err)
	}
	if err := SetMark(rc, 0x2a); !errors.Is(err, errors.ErrUnsupported) {
		t.Errorf("SetMark = %v, want errors.ErrUnsupported", err)
	}
}
