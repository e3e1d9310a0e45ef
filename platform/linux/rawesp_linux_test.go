package linux

import (
	"bytes"
	"encoding/binary"
	"errors"
	"net"
	"net/netip"
	"os"
	"sync/atomic"
	"testing"
	"time"

	"github.com/espressovpn/espresso/ipsec/socket"
	"github.com/espressovpn/espresso/platform"
	"golang.org/x/sys/unix"
)

// TestRawESPWriteFailure is a regression test: a batch the kernel refuses
// at its first packet made sendmmsg report -1, and WriteBatch returned -1
// packets sent.
func TestRawESPWriteFailure(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("skipping: a raw socket needs root")
	}
	tr, err := listenRawESP(platform.RawESPConfig{Local: ip("127.0.0.1")})
	if err != nil {
		t.Fatal(err)
	}
	defer tr.Close()
	// No IPv4 packet holds 70000 bytes: the kernel refuses it (EMSGSIZE)
	// before anything leaves.
	big := socket.Datagram{Buf: make([]byte, 70000), Addr: netip.MustParseAddrPort("127.0.0.1:0")}
	n, err := tr.WriteBatch([]socket.Datagram{big})
	if err == nil || n != 0 {
		t.Fatalf("WriteBatch of an oversized packet = %d, %v; want 0 and an error", n, err)
	}
}

// TestRawESPKeepCopies is a regression test: after a dropped packet,
// ReadBatch moved the next packet down by swapping buffers, and the
// engine, which decrypts in the buffer it put at each index, read another
// packet's bytes.
func TestRawESPKeepCopies(t *testing.T) {
	bufs := [][]byte{make([]byte, 64), make([]byte, 64), make([]byte, 64)}
	msgs := make([]socket.Datagram, len(bufs))
	for i := range msgs {
		msgs[i].Buf = bufs[i][:0]
	}
	// Packet 0 was dropped; packet 1 arrived in bufs[1] and moves to index 0.
	copy(bufs[1], "second")
	from := netip.MustParseAddrPort("192.0.2.1:0")
	keep(msgs, 0, bufs[1][:6], from)
	if &msgs[0].Buf[0] != &bufs[0][0] {
		t.Fatal("msgs[0] no longer holds its own buffer")
	}
	if string(msgs[0].Buf) != "second" || msgs[0].Addr != from {
		t.Fatalf("msgs[0] = %q from %v, want \"second\" from %v", msgs[0].Buf, msgs[0].Addr, from)
	}
	// A packet that stays in place is not copied.
	copy(bufs[2], "third")
	keep(msgs, 2, bufs[2][:5], from)
	if &msgs[2].Buf[0] != &bufs[2][0] || string(msgs[2].Buf) != "third" {
		t.Fatalf("msgs[2] = %q, want \"third\" in its own buffer", msgs[2].Buf)
	}
}

// loopbackRawESP returns two raw ESP transports on 127.0.0.1, or skips
// the test when not root.
func loopbackRawESP(t testing.TB) (a, b *rawESP) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("skipping: a raw socket needs root")
	}
	var tr [2]*rawESP
	for i := range tr {
		s, err := listenRawESP(platform.RawESPConfig{Local: ip("127.0.0.1")})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		tr[i] = s.(*rawESP)
	}
	return tr[0], tr[1]
}

// readAll reads len(in) datagrams from t into in, failing after five
// seconds.
func readAll(tb testing.TB, t socket.Transport, in []socket.Datagram) {
	tb.Helper()
	timer := time.AfterFunc(5*time.Second, func() { t.Close() })
	defer timer.Stop()
	for got := 0; got < len(in); {
		n, err := t.ReadBatch(in[got:])
		if err != nil {
			tb.Fatalf("ReadBatch after %d: %v", got, err)
		}
		got += n
	}
}

// TestRawESPCloseWakesReader: Close returns a ReadBatch blocked on the
// socket, which the engine's reader relies on to stop.
func TestRawESPCloseWakesReader(t *testing.T) {
	for _, addr := range []string{"127.0.0.1", "::1"} {
		t.Run(addr, func(t *testing.T) {
			if os.Geteuid() != 0 {
				t.Skip("skipping: a raw socket needs root")
			}
			tr, err := listenRawESP(platform.RawESPConfig{Local: ip(addr)})
			if err != nil {
				t.Fatal(err)
			}
			errc := make(chan error, 1)
			go func() {
				_, err := tr.ReadBatch([]socket.Datagram{{Buf: make([]byte, 0, 2048)}})
				errc <- err
			}()
			// Most likely the read is blocked in recvmmsg by the time
			// Close runs; if it is not, it must end all the same.
			time.Sleep(10 * time.Millisecond)
			if err := tr.Close(); err != nil {
				t.Fatalf("Close: %v", err)
			}
			select {
			case err := <-errc:
				if !errors.Is(err, net.ErrClosed) {
					t.Errorf("ReadBatch after Close: %v, want net.ErrClosed", err)
				}
			case <-time.After(5 * time.Second):
				t.Fatal("ReadBatch still blocked five seconds after Close")
			}
			if _, err := tr.WriteBatch([]socket.Datagram{{Buf: []byte{1}, Addr: netip.AddrPortFrom(ip(addr), 0)}}); !errors.Is(err, net.ErrClosed) {
				t.Errorf("WriteBatch after Close: %v, want net.ErrClosed", err)
			}
			if err := tr.Close(); !errors.Is(err, net.ErrClosed) {
				t.Errorf("second Close: %v, want net.ErrClosed", err)
			}
		})
	}
}

// TestRawESPOptions: an IPv4 packet with options reaches the engine from
// its ESP header on, without the options.
func TestRawESPOptions(t *testing.T) {
	a, b := loopbackRawESP(t)
	// Three no-operations and an end of options (RFC 791 §3.1): IHL 6.
	var serr error
	err := a.rc.Control(func(fd uintptr) {
		serr = unix.SetsockoptString(int(fd), unix.IPPROTO_IP, unix.IP_OPTIONS, "\x01\x01\x01\x00")
	})
	if err != nil || serr != nil {
		t.Fatalf("IP_OPTIONS: %v, %v", err, serr)
	}
	pkt := []byte{0, 0, 0x10, 0x01, 0, 0, 0, 1, 'e', 's', 'p'}
	if n, err := a.WriteBatch([]socket.Datagram{{Buf: pkt, Addr: netip.MustParseAddrPort("127.0.0.1:0")}}); err != nil || n != 1 {
		t.Fatalf("WriteBatch = %d, %v", n, err)
	}
	in := []socket.Datagram{{Buf: make([]byte, 0, 2048)}}
	readAll(t, b, in)
	if !bytes.Equal(in[0].Buf, pkt) || in[0].Addr != netip.MustParseAddrPort("127.0.0.1:0") {
		t.Fatalf("read %x from %v, want %x from 127.0.0.1", in[0].Buf, in[0].Addr, pkt)
	}
}

// TestRawESPAllocs: a batch written and read allocates nothing.
func TestRawESPAllocs(t *testing.T) {
	a, b := loopbackRawESP(t)
	out := make([]socket.Datagram, 8)
	in := make([]socket.Datagram, len(out))
	for i := range out {
		out[i] = socket.Datagram{Buf: make([]byte, 1400), Addr: netip.MustParseAddrPort("127.0.0.1:0")}
		in[i].Buf = make([]byte, 0, 2048)
	}
	// A bound on the reads below, which would otherwise wait for ever for
	// a lost packet.
	if err := b.conn.SetReadDeadline(time.Now().Add(10 * time.Second)); err != nil {
		t.Fatal(err)
	}
	allocs := testing.AllocsPerRun(50, func() {
		if n, err := a.WriteBatch(out); err != nil || n != len(out) {
			t.Fatalf("WriteBatch = %d, %v", n, err)
		}
		for got := 0; got < len(in); {
			n, err := b.ReadBatch(in[got:])
			if err != nil {
				t.Fatalf("ReadBatch after %d: %v", got, err)
			}
			got += n
		}
	})
	if allocs != 0 {
		t.Errorf("%v allocations per batch of %d, want 0", allocs, len(out))
	}
}

// BenchmarkTransports sends batches of 64 ESP-sized packets from one
// network namespace to another and reads each batch back before the next,
// over raw ESP and, for comparison in the same run, ESP in UDP (which the
// kernel segments and coalesces: UDP GSO and GRO). It reports the time per
// packet spent writing, which on a veth pair includes the receiving side's
// IP input (it runs in the sender's softirq), and reading.
func BenchmarkTransports(b *testing.B) {
	client, peer := pair(b)
	for _, kind := range []string{"raw", "udp"} {
		b.Run(kind, func(b *testing.B) {
			var tx, rx socket.Transport
			port := uint16(0)
			listen := func(addr string) (socket.Transport, error) {
				if kind == "raw" {
					return listenRawESP(platform.RawESPConfig{Local: ip(addr)})
				}
				port = 4500
				return platform.ListenUDP(platform.UDPConfig{Addr: netip.AddrPortFrom(ip(addr), port)})
			}
			if err := client.Do(func() (err error) { tx, err = listen("192.0.2.2"); return err }); err != nil {
				b.Fatal(err)
			}
			defer tx.Close()
			if err := peer.Do(func() (err error) { rx, err = listen("192.0.2.1"); return err }); err != nil {
				b.Fatal(err)
			}
			defer rx.Close()
			out := make([]socket.Datagram, 64)
			in := make([]socket.Datagram, len(out))
			bufs := make([][]byte, len(in))
			for i := range out {
				p := make([]byte, 1400)
				binary.BigEndian.PutUint32(p, 0x1001)
				out[i] = socket.Datagram{Buf: p, Addr: netip.AddrPortFrom(ip("192.0.2.1"), port)}
				bufs[i] = make([]byte, 0, 2048)
			}
			// A bound on the reads: rx closes when a batch has not come
			// back within five seconds.
			var batches atomic.Int64
			stop := make(chan struct{})
			defer close(stop)
			go func() {
				last := int64(-1)
				for {
					select {
					case <-stop:
						return
					case <-time.After(5 * time.Second):
					}
					n := batches.Load()
					if n == last {
						rx.Close()
						return
					}
					last = n
				}
			}()
			var wrote, read time.Duration
			cpu0 := cpuTime(b)
			b.ReportAllocs()
			for b.Loop() {
				t0 := time.Now()
				if n, err := tx.WriteBatch(out); err != nil || n != len(out) {
					b.Fatalf("WriteBatch = %d, %v", n, err)
				}
				t1 := time.Now()
				for i := range in {
					in[i].Buf = bufs[i]
				}
				for got := 0; got < len(in); {
					n, err := rx.ReadBatch(in[got:])
					if err != nil {
						b.Fatalf("ReadBatch after %d: %v", got, err)
					}
					got += n
				}
				batches.Add(1)
				wrote += t1.Sub(t0)
				read += time.Since(t1)
			}
			pkts := float64(b.N * len(out))
			b.ReportMetric(float64((cpuTime(b)-cpu0).Nanoseconds())/pkts, "cpu-ns/pkt")
			b.ReportMetric(float64(wrote.Nanoseconds())/pkts, "write-ns/pkt")
			b.ReportMetric(float64(read.Nanoseconds())/pkts, "read-ns/pkt")
			b.ReportMetric(0, "ns/op")
		})
	}
}

// cpuTime returns the CPU time the process has used, in the system and
// out.
func cpuTime(tb testing.TB) time.Duration {
	var ru unix.Rusage
	if err := unix.Getrusage(unix.RUSAGE_SELF, &ru); err != nil {
		tb.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
