package platform

import (
	"bytes"
	"fmt"
	"net/netip"
	"testing"

	"github.com/espressovpn/espresso/ipsec/socket"
)

// datagrams returns datagrams of the given sizes to the given addresses
// (one address for all when only one is given), each filled with its
// index.
func datagrams(sizes []int, to ...netip.AddrPort) []socket.Datagram {
	d := make([]socket.Datagram, len(sizes))
	for i, n := range sizes {
		d[i] = socket.Datagram{Buf: bytes.Repeat([]byte{byte(i)}, n), Addr: to[min(i, len(to)-1)]}
	}
	return d
}

func TestSegRun(t *testing.T) {
	a := netip.MustParseAddrPort("192.0.2.1:4500")
	b := netip.MustParseAddrPort("198.51.100.1:4500")
	for _, tc := range []struct {
		name     string
		msgs     []socket.Datagram
		maxSegs  int
		maxBytes int
		want     int
	}{
		{"empty", nil, 64, 65507, 0},
		{"one", datagrams([]int{1400}, a), 64, 65507, 1},
		{"same size", datagrams([]int{1400, 1400, 1400}, a), 64, 65507, 3},
		{"last shorter ends the run", datagrams([]int{1400, 1400, 900, 1400}, a), 64, 65507, 3},
		{"longer one starts a new run", datagrams([]int{1000, 1400}, a), 64, 65507, 1},
		{"other destination", datagrams([]int{1400, 1400, 1400}, a, a, b), 64, 65507, 2},
		{"segment limit", datagrams([]int{100, 100, 100, 100}, a), 3, 65507, 3},
		{"byte limit", datagrams([]int{1000, 1000, 1000}, a), 64, 2500, 2},
		{"empty first datagram alone", datagrams([]int{0, 0}, a), 64, 65507, 1},
		{"empty datagram ends nothing", datagrams([]int{10, 0}, a), 64, 65507, 1},
	} {
		if got := segRun(tc.msgs, tc.maxSegs, tc.maxBytes); got != tc.want {
			t.Errorf("%s: segRun = %d, want %d", tc.name, got, tc.want)
		}
	}
}

// coalescedReader is a groReader as a read of two messages leaves it: the
// first three datagrams of 4, 4 and 2 bytes coalesced at 4, the second one
// datagram of 3 bytes.
func coalescedReader() groReader {
	r := newGROReader()
	from := netip.MustParseAddrPort("192.0.2.7:4500")
	copy(r.bufs[0][0], "aaaabbbbcc")
	r.msgs[0].N, r.size[0], r.addr[0] = 10, 4, from
	copy(r.bufs[1][0], "ddd")
	r.msgs[1].N, r.size[1], r.addr[1] = 3, 0, from
	r.n = 2
	return r
}

func TestGROSplit(t *testing.T) {
	r := coalescedReader()
	var got []string
	// Callers with two slots, then one, then four: the split goes on
	// where it stopped.
	for _, slots := range []int{2, 1, 4} {
		msgs := make([]socket.Datagram, slots)
		for i := range msgs {
			msgs[i].Buf = make([]byte, 0, 16)
		}
		n := r.split(msgs)
		for _, d := range msgs[:n] {
			if d.Addr != r.addr[0] {
				t.Errorf("datagram %q from %v", d.Buf, d.Addr)
			}
			got = append(got, string(d.Buf))
		}
	}
	if want := "[aaaa bbbb cc ddd]"; fmt.Sprint(got) != want {
		t.Errorf("split gave %v, want %s", got, want)
	}
	if r.pending() {
		t.Error("datagrams left after all were split")
	}
}

func TestGROSplitCutsLongDatagram(t *testing.T) {
	r := coalescedReader()
	msgs := []socket.Datagram{{Buf: make([]byte, 0, 3)}}
	if n := r.split(msgs); n != 1 || string(msgs[0].Buf) != "aaa" {
		t.Errorf("split = %d, %q; want 1, \"aaa\"", n, msgs[0].Buf)
	}
	if n := r.split(msgs); n != 1 || string(msgs[0].Buf) != "bbb" {
		t.Errorf("next split = %d, %q; want the next datagram cut, \"bbb\"", n, msgs[0].Buf)
	}
}

func TestGROSplitAllocatesNothing(t *testing.T) {
	msgs := make([]socket.Datagram, 4)
	for i := range msgs {
		msgs[i].Buf = make([]byte, 0, 16)
	}
	r := coalescedReader()
	if a := testing.AllocsPerRun(100, func() {
		r.next, r.off = 0, 0
		r.split(msgs)
	}); a != 0 {
		t.Errorf("split allocates %.1f times per call", a)
	}
}
