package dgram

import (
	"bytes"
	"fmt"
	"net"
	"net/netip"
	"testing"
	"time"
)

// TestConnRoundTrip sends a batch between two loopback UDP sockets of each
// family through New and Messages, and checks every payload arrives.
func TestConnRoundTrip(t *testing.T) {
	for _, loop := range []string{"127.0.0.1", "::1"} {
		t.Run(loop, func(t *testing.T) {
			addr := netip.AddrPortFrom(netip.MustParseAddr(loop), 0)
			a, err := net.ListenUDP("udp", net.UDPAddrFromAddrPort(addr))
			if err != nil {
				t.Skipf("no %s socket here: %v", loop, err)
			}
			defer a.Close()
			b, err := net.ListenUDP("udp", net.UDPAddrFromAddrPort(addr))
			if err != nil {
				t.Fatal(err)
			}
			defer b.Close()
			is4 := addr.Addr().Is4()
			roundTrip(t, New(a, is4), New(b, is4), b, 5)
		})
	}
}

func roundTrip(t *testing.T, a, b Conn, bconn *net.UDPConn, count int) {
	t.Helper()
	p := payloads(count)
	to := bconn.LocalAddr()
	w := NewMessages(2)
	sent, err := w.Write(a, count, func(j, i int) {
		w.SetBuf(j, p[i])
		w.Msgs[j].Addr = to
	})
	if sent != count || err != nil {
		t.Fatalf("Write = %d, %v", sent, err)
	}
	stop := time.AfterFunc(5*time.Second, func() { bconn.Close() })
	defer stop.Stop()
	r := NewMessages(count)
	bufs := make([][]byte, count)
	got := 0
	for got < count {
		for i := got; i < count; i++ {
			bufs[i] = make([]byte, 1500)
			r.SetBuf(i-got, bufs[i])
		}
		k, err := b.ReadBatch(r.Msgs[:count-got], 0)
		if err != nil {
			t.Fatalf("ReadBatch after %d: %v", got, err)
		}
		for i := range k {
			bufs[got+i] = bufs[got+i][:r.Msgs[i].N]
		}
		r.Release(count - got)
		got += k
	}
	for i := range bufs {
		if want := fmt.Sprintf("datagram %d", i); !bytes.Equal(bufs[i], []byte(want)) {
			t.Errorf("datagram %d: got %q, want %q", i, bufs[i], want)
		}
	}
}
