package platform

import (
	"bytes"
	"errors"
	"fmt"
	"net/netip"
	"testing"
	"time"

	"github.com/espressovpn/espresso/ipsec/socket"
)

// TestUDPBatchRoundTrip sends a batch between two loopback sockets of each
// family and checks every payload and source address arrives.
func TestUDPBatchRoundTrip(t *testing.T) {
	for _, loop := range []string{"127.0.0.1", "::1"} {
		t.Run(loop, func(t *testing.T) {
			testUDPRoundTrip(t, netip.MustParseAddr(loop))
		})
	}
}

func testUDPRoundTrip(t *testing.T, ip netip.Addr) {
	a, err := ListenUDP(UDPConfig{Addr: netip.AddrPortFrom(ip, 0)})
	if err != nil {
		t.Skipf("no %s socket here: %v", ip, err)
	}
	defer a.Close()
	b, err := ListenUDP(UDPConfig{Addr: netip.AddrPortFrom(ip, 0)})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	udpRoundTrip(t, a, b, 10)
}

// udpRoundTrip writes count datagrams from a to b and reads them back;
// b is closed if they have not all arrived within five seconds.
func udpRoundTrip(t *testing.T, a, b socket.Transport, count int) {
	t.Helper()
	out := make([]socket.Datagram, count)
	for i := range out {
		out[i] = socket.Datagram{Buf: fmt.Appendf(nil, "datagram %d", i), Addr: b.LocalAddr()}
	}
	n, err := a.WriteBatch(out)
	if err != nil || n != count {
		t.Fatalf("WriteBatch = %d, %v", n, err)
	}
	in := make([]socket.Datagram, count)
	for i := range in {
		in[i].Buf = make([]byte, 0, 1500)
	}
	stop := time.AfterFunc(5*time.Second, func() { b.Close() })
	defer stop.Stop()
	got := 0
	for got < count {
		k, err := b.ReadBatch(in[got:])
		if err != nil {
			t.Fatalf("ReadBatch: %v", err)
		}
		got += k
	}
	if got != count {
		t.Fatalf("received %d of %d datagrams", got, count)
	}
	for i := range in {
		if !bytes.Equal(in[i].Buf, out[i].Buf) {
			t.Errorf("datagram %d: got %q, want %q", i, in[i].Buf, out[i].Buf)
		}
		if in[i].Addr != a.LocalAddr() {
			t.Errorf("datagram %d: source %s, want %s", i, in[i].Addr, a.LocalAddr())
		}
	}
}

func TestUDPConfigErrors(t *testing.T) {
	if _, err := ListenUDP(UDPConfig{}); err == nil {
		t.Fatal("ListenUDP accepted an invalid address")
	}
}

// TestUDPWriteFailure is a regression test: a batch the kernel refuses at its
// first datagram reported -1 sent and made WriteBatch index before the batch.
func TestUDPWriteFailure(t *testing.T) {
	a, err := ListenUDP(UDPConfig{Addr: netip.MustParseAddrPort("127.0.0.1:0")})
	if err != nil {
		t.Skipf("no IPv4 loopback socket here: %v", err)
	}
	defer a.Close()
	// Port 0 is no destination: sendmmsg fails with EINVAL before sending anything.
	n, err := a.WriteBatch([]socket.Datagram{{Buf: []byte("x"), Addr: netip.MustParseAddrPort("127.0.0.1:0")}})
	if err == nil || n != 0 {
		t.Fatalf("WriteBatch to port 0 = %d, %v; want 0 and an error", n, err)
	}
}

// TestUDPWrongFamily is a regression test: an IPv4 socket asked to send to an
// IPv6 destination panicked; it sends what precedes it and says why it stops.
func TestUDPWrongFamily(t *testing.T) {
	a, err := ListenUDP(UDPConfig{Addr: netip.MustParseAddrPort("127.0.0.1:0")})
	if err != nil {
		t.Skipf("no IPv4 loopback socket here: %v", err)
	}
	defer a.Close()
	msgs := []socket.Datagram{
		{Buf: []byte("x"), Addr: a.LocalAddr()},
		{Buf: []byte("y"), Addr: netip.MustParseAddrPort("[2001:db8::1]:500")},
		{Buf: []byte("z"), Addr: a.LocalAddr()},
	}
	n, err := a.WriteBatch(msgs)
	if n != 1 || !errors.Is(err, errWrongFamily) {
		t.Fatalf("WriteBatch = %d, %v; want 1 and a wrong-family error", n, err)
	}
	if n, err := a.WriteBatch([]socket.Datagram{{Buf: []byte("x")}}); n != 0 || !errors.Is(err, errWrongFamily) {
		t.Fatalf("WriteBatch to no address = %d, %v", n, err)
	}
}
