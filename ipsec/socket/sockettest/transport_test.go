package sockettest

import (
	"errors"
	"net/netip"
	"strings"
	"testing"

	"github.com/espressovpn/espresso/ipsec/socket"
)

var (
	addrA = netip.MustParseAddrPort("192.0.2.2:4500")
	addrB = netip.MustParseAddrPort("192.0.2.1:4500")
)

func TestPipe(t *testing.T) {
	a, b := Pipe(addrA, addrB, 4, 2)
	out := []socket.Datagram{
		{Buf: []byte("one"), Addr: addrB},
		{Buf: []byte("lost"), Addr: netip.MustParseAddrPort("192.0.2.9:4500")},
		{Buf: []byte("two"), Addr: addrB},
		{Buf: []byte("three"), Addr: addrB},
	}
	if n, err := a.WriteBatch(out); n != len(out) || err != nil {
		t.Fatalf("WriteBatch = %d, %v", n, err)
	}
	in := []socket.Datagram{{Buf: make([]byte, 0, 64)}, {Buf: make([]byte, 0, 64)}}
	var got []string
	for len(got) < 3 {
		n, err := b.ReadBatch(in)
		if err != nil || n == 0 || n > b.BatchSize() {
			t.Fatalf("ReadBatch = %d, %v", n, err)
		}
		for _, d := range in[:n] {
			if d.Addr != addrA {
				t.Fatalf("from %v, want %v", d.Addr, addrA)
			}
			got = append(got, string(d.Buf))
		}
	}
	if want := "one two three"; strings.Join(got, " ") != want {
		t.Fatalf("read %q, want %q", got, want)
	}
	b.Close()
	if _, err := b.ReadBatch(in); !errors.Is(err, socket.ErrClosed) {
		t.Fatalf("ReadBatch after Close = %v", err)
	}
	if _, err := a.WriteBatch(out[:1]); !errors.Is(err, socket.ErrClosed) {
		t.Fatalf("WriteBatch to a closed peer = %v", err)
	}
}

func TestLone(t *testing.T) {
	tr := NewTransport(addrA)
	if !tr.Deliver(socket.Datagram{Buf: []byte("in"), Addr: addrB}) {
		t.Fatal("Deliver refused")
	}
	in := make([]socket.Datagram, 2)
	if n, err := tr.ReadBatch(in); n != 1 || err != nil || string(in[0].Buf) != "in" || in[0].Addr != addrB {
		t.Fatalf("ReadBatch = %d, %v, %+v", n, err, in[0])
	}
	tr.Bounce(socket.UnreachableError{Dest: addrB, Kind: socket.PortUnreachable})
	var ue *socket.UnreachableError
	if _, err := tr.ReadBatch(in); !errors.As(err, &ue) || ue.Dest != addrB {
		t.Fatalf("ReadBatch after Bounce = %v", err)
	}
	buf := []byte("out")
	if _, err := tr.WriteBatch([]socket.Datagram{{Buf: buf, Addr: addrB}}); err != nil {
		t.Fatal(err)
	}
	buf[0] = 'x'
	if d := <-tr.Sent(); string(d.Buf) != "out" || d.Addr != addrB {
		t.Fatalf("Sent %q to %v", d.Buf, d.Addr)
	}
}
