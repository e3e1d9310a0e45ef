package platform

import (
	"errors"
	"net/netip"
	"testing"
	"time"

	"github.com/espressovpn/espresso/ipsec/socket"
)

// closedPort returns an address of ip with a port nothing listens on: a
// socket's port, closed again.
func closedPort(t *testing.T, ip netip.Addr) netip.AddrPort {
	t.Helper()
	c, err := ListenUDP(UDPConfig{Addr: netip.AddrPortFrom(ip, 0)})
	if err != nil {
		t.Skipf("no %s socket here: %v", ip, err)
	}
	a := c.LocalAddr()
	c.Close()
	return a
}

// socketPair opens two UDP sockets on ip, a with reportUnreachable as
// given, both closed when the test ends. a is also closed after 5 s, so
// that a read waiting for a datagram that never comes ends the test
// instead of hanging it.
func socketPair(t *testing.T, ip netip.Addr, reportUnreachable bool) (a, b socket.Transport) {
	t.Helper()
	a, err := ListenUDP(UDPConfig{Addr: netip.AddrPortFrom(ip, 0), ReportUnreachable: reportUnreachable})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Close() })
	b, err = ListenUDP(UDPConfig{Addr: netip.AddrPortFrom(ip, 0)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close() })
	stop := time.AfterFunc(5*time.Second, func() { a.Close() })
	t.Cleanup(func() { stop.Stop() })
	return a, b
}

// TestUDPReportsUnreachable: a datagram to a closed port on loopback comes
// back as an ICMP port unreachable, which ReadBatch returns once as an
// *socket.UnreachableError for that address and port; the socket then carries
// datagrams as before, and writes are not failed by the queued error.
func TestUDPReportsUnreachable(t *testing.T) {
	for _, loop := range []string{"127.0.0.1", "::1"} {
		t.Run(loop, func(t *testing.T) {
			ip := netip.MustParseAddr(loop)
			dead := closedPort(t, ip)
			a, b := socketPair(t, ip, true)

			if _, err := a.WriteBatch([]socket.Datagram{{Buf: []byte("to nobody"), Addr: dead}}); err != nil {
				t.Fatalf("first write: %v", err)
			}
			// The queued error must not fail this write.
			if _, err := a.WriteBatch([]socket.Datagram{{Buf: []byte("to nobody again"), Addr: dead}}); err != nil {
				t.Fatalf("write after the ICMP error: %v", err)
			}
			in := []socket.Datagram{{Buf: make([]byte, 0, 1500)}}
			for i := range 2 {
				_, err := a.ReadBatch(in)
				var ue *socket.UnreachableError
				if !errors.As(err, &ue) || ue.Dest != dead || ue.Kind != socket.PortUnreachable {
					t.Fatalf("read %d: %v, want a port unreachable for %v", i, err, dead)
				}
			}
			if _, err := b.WriteBatch([]socket.Datagram{{Buf: []byte("hello"), Addr: a.LocalAddr()}}); err != nil {
				t.Fatal(err)
			}
			n, err := a.ReadBatch(in)
			if err != nil || n != 1 || string(in[0].Buf) != "hello" || in[0].Addr != b.LocalAddr() {
				t.Fatalf("after the unreachables: %d %q from %v, %v", n, in[0].Buf, in[0].Addr, err)
			}
		})
	}
}

// TestUDPWithoutReports: without ReportUnreachable an ICMP error is not
// reported: the next read returns the next datagram.
func TestUDPWithoutReports(t *testing.T) {
	ip := netip.MustParseAddr("127.0.0.1")
	dead := closedPort(t, ip)
	a, b := socketPair(t, ip, false)
	if _, err := a.WriteBatch([]socket.Datagram{{Buf: []byte("to nobody"), Addr: dead}}); err != nil {
		t.Fatal(err)
	}
	if _, err := b.WriteBatch([]socket.Datagram{{Buf: []byte("hello"), Addr: a.LocalAddr()}}); err != nil {
		t.Fatal(err)
	}
	in := []socket.Datagram{{Buf: make([]byte, 0, 1500)}}
	if n, err := a.ReadBatch(in); err != nil || n != 1 || string(in[0].Buf) != "hello" {
		t.Fatalf("read: %d %q, %v", n, in[0].Buf, err)
	}
}
