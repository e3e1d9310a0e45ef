package platform

import (
	"bytes"
	"errors"
	"net"
	"net/netip"
	"os"
	"testing"
	"time"

	"github.com/espressovpn/espresso/ipsec/socket"
	"github.com/espressovpn/espresso/platform/internal/dgram"
	"github.com/espressovpn/espresso/platform/linux/testnet"
	"golang.org/x/net/ipv4"
	"golang.org/x/sys/unix"
)

// segConn is a socket that refuses UDP_SEGMENT messages with refuse (none
// when nil) and records the datagrams of the messages it takes, split as
// the kernel would.
type segConn struct {
	refuse    error
	got       [][]byte
	messages  int
	segmented int
}

func (c *segConn) ReadBatch([]ipv4.Message, int) (int, error) { return 0, nil }

func (c *segConn) WriteBatch(ms []ipv4.Message, _ int) (int, error) {
	for i, m := range ms {
		size := 0
		if len(m.OOB) > 0 {
			if c.refuse != nil {
				if i == 0 {
					return -1, c.refuse
				}
				return i, nil
			}
			size = int(m.OOB[unix.CmsgLen(0)]) | int(m.OOB[unix.CmsgLen(0)+1])<<8
			c.segmented++
		}
		var all []byte
		for _, b := range m.Buffers {
			all = append(all, b...)
		}
		for off := 0; off < len(all) || off == 0; {
			end := dgram.NextSegment(len(all), size, off)
			c.got = append(c.got, all[off:end])
			off = end
			if end == len(all) {
				break
			}
		}
		c.messages++
	}
	return len(ms), nil
}

// takeAll is a socket that takes every message without a look.
type takeAll struct{}

func (takeAll) ReadBatch([]ipv4.Message, int) (int, error)       { return 0, nil }
func (takeAll) WriteBatch(ms []ipv4.Message, _ int) (int, error) { return len(ms), nil }

func fakeTransport(c dgram.Conn) *udpTransport {
	return &udpTransport{
		batch:   c,
		is4:     true,
		w:       dgram.NewMessages(udpBatchSize),
		waddrs:  make([]net.UDPAddr, udpBatchSize),
		wips:    make([][16]byte, udpBatchSize),
		segment: true,
		sw:      newSegWriter(udpBatchSize),
	}
}

func checkSent(t *testing.T, c *segConn, want []socket.Datagram) {
	t.Helper()
	if len(c.got) != len(want) {
		t.Fatalf("%d datagrams arrived, want %d", len(c.got), len(want))
	}
	for i := range want {
		if !bytes.Equal(c.got[i], want[i].Buf) {
			t.Fatalf("datagram %d: %d bytes of %d, want %d of %d", i, len(c.got[i]), c.got[i][0], len(want[i].Buf), i)
		}
	}
}

// TestWriteSegmented: runs of same-sized datagrams to one peer leave as
// one message each, in order, without allocating.
func TestWriteSegmented(t *testing.T) {
	a := netip.MustParseAddrPort("192.0.2.1:4500")
	b := netip.MustParseAddrPort("198.51.100.1:4500")
	c := &segConn{}
	tr := fakeTransport(c)
	msgs := datagrams([]int{1400, 1400, 1400, 700, 1400, 1400, 80}, a, a, a, a, b, b, a)
	if n, err := tr.WriteBatch(msgs); n != len(msgs) || err != nil {
		t.Fatalf("WriteBatch = %d, %v", n, err)
	}
	checkSent(t, c, msgs)
	// [1400 1400 1400 700] to a, [1400 1400] to b, [80] to a.
	if c.messages != 3 || c.segmented != 2 {
		t.Errorf("%d messages, %d segmented; want 3, 2", c.messages, c.segmented)
	}
	tr.batch = takeAll{}
	if a := testing.AllocsPerRun(50, func() { tr.WriteBatch(msgs) }); a != 0 {
		t.Errorf("WriteBatch allocates %.1f times per call", a)
	}
}

// TestWriteSegmentedFallsBack: a socket that refuses a segmented message
// gets the datagrams one per message instead, all of them in order; EIO
// turns segmentation off, EINVAL only for the write that met it.
func TestWriteSegmentedFallsBack(t *testing.T) {
	to := netip.MustParseAddrPort("192.0.2.1:4500")
	for _, tc := range []struct {
		errno     unix.Errno
		segmented bool
	}{
		{unix.EIO, false},
		{unix.EINVAL, true},
	} {
		t.Run(tc.errno.Error(), func(t *testing.T) {
			c := &segConn{refuse: os.NewSyscallError("sendmmsg", tc.errno)}
			tr := fakeTransport(c)
			// The first datagram goes alone: the refusal comes on the
			// second message of the batch.
			msgs := datagrams([]int{200, 1400, 1400, 1400, 900}, to)
			msgs[0].Addr = netip.MustParseAddrPort("192.0.2.9:4500")
			if n, err := tr.WriteBatch(msgs); n != len(msgs) || err != nil {
				t.Fatalf("WriteBatch = %d, %v", n, err)
			}
			checkSent(t, c, msgs)
			if tr.segment != tc.segmented {
				t.Errorf("segmentation on = %v after %v, want %v", tr.segment, tc.errno, tc.segmented)
			}
		})
	}
	// Other errors are the caller's.
	c := &segConn{refuse: os.NewSyscallError("sendmmsg", unix.ENETUNREACH)}
	tr := fakeTransport(c)
	if _, err := tr.WriteBatch(datagrams([]int{100, 100}, to)); !errors.Is(err, unix.ENETUNREACH) {
		t.Errorf("WriteBatch = %v, want ENETUNREACH", err)
	}
}

// TestUDPOffloadOverVeth sends runs of datagrams with UDP_SEGMENT from one
// namespace to a socket with UDP_GRO in another, over a veth pair, and
// checks that they arrive complete and in order and that the kernel
// handed at least one run over coalesced.
func TestUDPOffloadOverVeth(t *testing.T) {
	testnet.RequireRoot(t)
	for _, fam := range []struct{ name, a, b, prefix string }{
		{"ipv4", "192.0.2.1", "192.0.2.2", "/24"},
		{"ipv6", "2001:db8::1", "2001:db8::2", "/64"},
	} {
		t.Run(fam.name, func(t *testing.T) {
			na := testnet.NewNamespace(t, "gsoa")
			nb := testnet.NewNamespace(t, "gsob")
			testnet.Link(t, na, "gso0", nb, "gso1")
			na.Addr("gso0", fam.a+fam.prefix)
			nb.Addr("gso1", fam.b+fam.prefix)
			listen := func(ns *testnet.Namespace, ip string) *udpTransport {
				var tr socket.Transport
				if err := ns.Do(func() (err error) {
					tr, err = ListenUDP(UDPConfig{Addr: netip.AddrPortFrom(netip.MustParseAddr(ip), 0)})
					return err
				}); err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() { tr.Close() })
				return tr.(*udpTransport)
			}
			a, b := listen(na, fam.a), listen(nb, fam.b)
			if !a.segment || !b.gro {
				t.Skipf("this kernel does not offer UDP_SEGMENT (%v) and UDP_GRO (%v)", a.segment, b.gro)
			}
			// Three rounds of 40 datagrams of 1200 bytes and a shorter
			// one; the sender's socket buffer holds them all.
			const rounds, run = 3, 41
			var want []socket.Datagram
			for r := range rounds {
				sizes := make([]int, run)
				for i := range sizes {
					sizes[i] = 1200
				}
				sizes[run-1] = 333
				msgs := datagrams(sizes, b.LocalAddr())
				for i := range msgs {
					msgs[i].Buf[0], msgs[i].Buf[1] = byte(r), byte(i)
				}
				if n, err := a.WriteBatch(msgs); n != run || err != nil {
					t.Fatalf("WriteBatch = %d, %v", n, err)
				}
				want = append(want, msgs...)
			}
			if !a.segment {
				t.Fatal("the veth refused UDP_SEGMENT")
			}
			got := readAll(t, b, len(want))
			for i := range want {
				if !bytes.Equal(got[i].Buf, want[i].Buf) || got[i].Addr != a.LocalAddr() {
					t.Fatalf("datagram %d: %d bytes from %v, want %d from %v", i, len(got[i].Buf), got[i].Addr, len(want[i].Buf), a.LocalAddr())
				}
			}
			if b.gr.coalesced == 0 {
				t.Error("no read held more than one datagram")
			}
			t.Logf("%d datagrams in %d coalesced reads", len(want), b.gr.coalesced)
		})
	}
}

// readAll reads count datagrams from tr with a batch of 16, closing tr if
// they have not all arrived within five seconds.
func readAll(t *testing.T, tr socket.Transport, count int) []socket.Datagram {
	t.Helper()
	stop := time.AfterFunc(5*time.Second, func() { tr.Close() })
	defer stop.Stop()
	var got []socket.Datagram
	in := make([]socket.Datagram, 16)
	for len(got) < count {
		for i := range in {
			in[i] = socket.Datagram{Buf: make([]byte, 0, 2000)}
		}
		n, err := tr.ReadBatch(in)
		if err != nil {
			t.Fatalf("ReadBatch after %d of %d datagrams: %v", len(got), count, err)
		}
		got = append(got, in[:n]...)
	}
	return got
}
