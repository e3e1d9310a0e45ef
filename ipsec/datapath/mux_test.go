package datapath_test

import (
	"bytes"
	"errors"
	"github.com/espressovpn/espresso/ipsec/socket/sockettest"
	"net/netip"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/espressovpn/espresso/ipsec/datapath"
	"github.com/espressovpn/espresso/ipsec/datapath/datapathtest"
	"github.com/espressovpn/espresso/ipsec/sad"
)

var (
	vip4 = netip.PrefixFrom(innerA4, 32)
	vip6 = netip.PrefixFrom(innerA6, 128)
)

// readPackets reads from m until it has n packets.
func readPackets(t *testing.T, m *datapath.Mux, n int) [][]byte {
	t.Helper()
	bufs := make([][]byte, m.BatchSize())
	for i := range bufs {
		bufs[i] = make([]byte, 2048)
	}
	sizes := make([]int, len(bufs))
	var got [][]byte
	for len(got) < n {
		k, err := m.Read(bufs, sizes, 24)
		if err != nil {
			t.Fatalf("Read after %d packets: %v", len(got), err)
		}
		for i := range k {
			got = append(got, append([]byte(nil), bufs[i][24:24+sizes[i]]...))
		}
	}
	return got
}

// writePacket writes pkt through m as the engine does, at offset 16.
func writePacket(t *testing.T, m *datapath.Mux, pkts ...[]byte) {
	t.Helper()
	bufs := make([][]byte, len(pkts))
	for i, p := range pkts {
		bufs[i] = append(make([]byte, 16), p...)
	}
	if _, err := m.Write(bufs, 16); err != nil {
		t.Fatalf("Write: %v", err)
	}
}

func received(t *testing.T, d *datapathtest.Device) []byte {
	t.Helper()
	select {
	case p := <-d.Received():
		return p
	default:
		t.Fatal("the device received nothing")
		return nil
	}
}

func nothingReceived(t *testing.T, d *datapathtest.Device, what string) {
	t.Helper()
	select {
	case <-d.Received():
		t.Errorf("%s received a packet", what)
	default:
	}
}

// TestMuxRoutesByVirtualIP: with one device per virtual IP, packets read
// from either device come out of Read, and each written packet goes to the
// device holding its destination, IPv4 and IPv6 alike.
func TestMuxRoutesByVirtualIP(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		d4, d6 := datapathtest.NewDevice(4, 64), datapathtest.NewDevice(1, 64)
		m := datapath.NewMux(datapath.MuxConfig{BatchSize: 8})
		m.Set([]datapath.MuxLink{{Device: d4, Addrs: []netip.Prefix{vip4}}, {Device: d6, Addrs: []netip.Prefix{vip6}}})

		out4 := udpPacket(innerA4, innerB4, 1, 100)
		out6 := udpPacket(innerA6, innerB6, 2, 200)
		d4.Inject(out4)
		d6.Inject(out6)
		synctest.Wait()
		got := readPackets(t, m, 2)
		if !(bytes.Equal(got[0], out4) && bytes.Equal(got[1], out6)) && !(bytes.Equal(got[0], out6) && bytes.Equal(got[1], out4)) {
			t.Error("Read did not return the packets of both devices")
		}

		in4 := udpPacket(innerB4, innerA4, 3, 300)
		in6 := udpPacket(innerB6, innerA6, 4, 400)
		writePacket(t, m, in4, in6)
		if !bytes.Equal(received(t, d4), in4) || !bytes.Equal(received(t, d6), in6) {
			t.Error("a packet reached the wrong device")
		}
		nothingReceived(t, d4, "the IPv4 device")
		nothingReceived(t, d6, "the IPv6 device")

		// A packet for neither virtual IP, such as the reply of a flow the
		// engine translated back to a physical address, goes to a device
		// of its family; one of a family no device has is dropped and
		// counted.
		other := udpPacket(innerB4, netip.MustParseAddr("198.18.9.9"), 5, 100)
		writePacket(t, m, other)
		if !bytes.Equal(received(t, d4), other) {
			t.Error("the IPv4 device did not get the packet for another IPv4 address")
		}
		m.Set([]datapath.MuxLink{{Device: d4, Addrs: []netip.Prefix{vip4}}})
		writePacket(t, m, udpPacket(innerB6, netip.MustParseAddr("2001:db8:9::9"), 6, 100))
		nothingReceived(t, d4, "the IPv4 device")
		nothingReceived(t, d6, "the IPv6 device")
		if s := m.Stats(); s.Unroutable != 1 {
			t.Errorf("unroutable %d, want 1", s.Unroutable)
		}

		d4.Close()
		d6.Close()
		m.Close()
	})
}

// TestMuxFollowsSet: a device removed from the set gets nothing more and
// its reader ends; one added is read and written at once; Close ends a
// waiting Read. synctest.Test fails if a reader outlives Close.
func TestMuxFollowsSet(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		bare := datapathtest.NewDevice(4, 64)
		m := datapath.NewMux(datapath.MuxConfig{})
		// An on-demand connection's device has no address yet: it gets
		// every packet.
		m.Set([]datapath.MuxLink{{Device: bare}})
		writePacket(t, m, udpPacket(innerB4, innerA4, 1, 100))
		received(t, bare)

		d4, d6 := datapathtest.NewDevice(4, 64), datapathtest.NewDevice(4, 64)
		bare.Close() // the platform closes a device it removes
		m.Set([]datapath.MuxLink{{Device: d4, Addrs: []netip.Prefix{vip4}}, {Device: d6, Addrs: []netip.Prefix{vip6}}})
		if n := len(m.Links()); n != 2 {
			t.Fatalf("%d links, want 2", n)
		}
		out6 := udpPacket(innerA6, innerB6, 2, 100)
		d6.Inject(out6)
		if got := readPackets(t, m, 1); !bytes.Equal(got[0], out6) {
			t.Error("the new IPv6 device's packet was not read")
		}

		// The IPv6 address goes away: its packets now have no device.
		d6.Close()
		m.Set([]datapath.MuxLink{{Device: d4, Addrs: []netip.Prefix{vip4}}})
		synctest.Wait()
		writePacket(t, m, udpPacket(innerB4, innerA4, 3, 100))
		received(t, d4)
		writePacket(t, m, udpPacket(innerB6, innerA6, 4, 100))
		nothingReceived(t, d4, "the IPv4 device")

		res := make(chan error, 1)
		go func() {
			_, err := m.Read(make([][]byte, 1), make([]int, 1), 16)
			res <- err
		}()
		synctest.Wait()
		d4.Close()
		m.Close()
		if err := <-res; !errors.Is(err, datapath.ErrMuxClosed) {
			t.Errorf("Read ended with %v, want ErrMuxClosed", err)
		}
		if _, err := m.Write([][]byte{make([]byte, 64)}, 16); !errors.Is(err, datapath.ErrMuxClosed) {
			t.Errorf("Write after Close: %v", err)
		}
	})
}

// TestMuxSplitsLargeBatches: a device batch larger than the caller's
// buffers comes out over several Reads, in order.
func TestMuxSplitsLargeBatches(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		d := datapathtest.NewDevice(16, 64)
		m := datapath.NewMux(datapath.MuxConfig{BatchSize: 3})
		m.Set([]datapath.MuxLink{{Device: d, Addrs: []netip.Prefix{vip4}}})
		var want [][]byte
		for i := range 16 {
			p := udpPacket(innerA4, innerB4, uint32(i), 60+i)
			want = append(want, p)
			d.Inject(p)
		}
		got := readPackets(t, m, 16)
		for i := range want {
			if !bytes.Equal(got[i], want[i]) {
				t.Fatalf("packet %d out of order", i)
			}
		}
		d.Close()
		m.Close()
	})
}

// flakyDevice fails its first Read, as a TUN device does on a transient
// error (Linux: a super-packet with too many segments).
type flakyDevice struct {
	*datapathtest.Device
	failed atomic.Bool
}

func (f *flakyDevice) Read(bufs [][]byte, sizes []int, offset int) (int, error) {
	if !f.failed.Swap(true) {
		return 0, errors.New("transient")
	}
	return f.Device.Read(bufs, sizes, offset)
}

// TestMuxSurvivesReadError: a failed Read of a device still in the set is
// counted and retried after RetryDelay; the device keeps working.
func TestMuxSurvivesReadError(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		d := &flakyDevice{Device: datapathtest.NewDevice(1, 8)}
		m := datapath.NewMux(datapath.MuxConfig{RetryDelay: time.Second})
		m.Set([]datapath.MuxLink{{Device: d, Addrs: []netip.Prefix{vip4}}})
		p := udpPacket(innerA4, innerB4, 1, 100)
		d.Inject(p)
		start := time.Now()
		if got := readPackets(t, m, 1); !bytes.Equal(got[0], p) {
			t.Error("the packet after the error was not read")
		}
		if waited := time.Since(start); waited != time.Second {
			t.Errorf("retried after %v, want 1s", waited)
		}
		if s := m.Stats(); s.ReadErrors != 1 {
			t.Errorf("read errors %d, want 1", s.ReadErrors)
		}
		d.Close()
		m.Close()
	})
}

// TestEngineOverMux runs two engines where A's side has one device per
// virtual IP behind a Mux, as on macOS and FreeBSD: IPv4 and IPv6 traffic
// flows both ways, each through its own device.
func TestEngineOverMux(t *testing.T) {
	ta, tb := sockettest.Pipe(addrA, addrB, 1024, 32)
	d4, d6 := datapathtest.NewDevice(1, 1024), datapathtest.NewDevice(1, 1024)
	m := datapath.NewMux(datapath.MuxConfig{BatchSize: 32})
	m.Set([]datapath.MuxLink{{Device: d4, Addrs: []netip.Prefix{vip4}}, {Device: d6, Addrs: []netip.Prefix{vip6}}})
	a, err := datapath.New(datapath.Config{Device: m, UDP: ta, Workers: 2, Backpressure: true})
	if err != nil {
		t.Fatal(err)
	}
	b := &side{dev: datapathtest.NewDevice(32, 1024), tr: tb}
	if b.e, err = datapath.New(datapath.Config{Device: b.dev, UDP: tb, Workers: 2, Backpressure: true}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		d4.Close()
		d6.Close()
		b.dev.Close()
		ta.Close()
		tb.Close()
		m.Close()
		a.Close()
		b.e.Close()
	})
	forA, forB := childSAs(1, 0x1000, 0x2000, gcm128, 0, true)
	if err := a.Install(forA); err != nil {
		t.Fatal(err)
	}
	if err := b.e.Install(forB); err != nil {
		t.Fatal(err)
	}

	const n = 300
	var wg sync.WaitGroup
	for _, f := range []struct {
		dev      *datapathtest.Device
		src, dst netip.Addr
	}{{d4, innerA4, innerB4}, {d6, innerA6, innerB6}} {
		wg.Go(func() {
			for i := range n {
				f.dev.Inject(udpPacket(f.src, f.dst, uint32(i), 80+i))
			}
		})
		wg.Go(func() {
			for i := range n {
				b.dev.Inject(udpPacket(f.dst, f.src, uint32(i), 80+i))
			}
		})
	}
	// B receives both families from A's two devices.
	got4, got6 := 0, 0
	for got4+got6 < 2*n {
		select {
		case p := <-b.dev.Received():
			if p[0]>>4 == 4 {
				got4++
			} else {
				got6++
			}
		case <-time.After(5 * time.Second):
			t.Fatalf("B received %d IPv4 and %d IPv6 packets of %d each", got4, got6, n)
		}
	}
	// A's replies come out of the device holding their destination.
	for _, f := range []struct {
		dev  *datapathtest.Device
		want byte
	}{{d4, 4}, {d6, 6}} {
		for i := range n {
			select {
			case p := <-f.dev.Received():
				if p[0]>>4 != f.want {
					t.Fatalf("an IPv%d packet on the IPv%d device", p[0]>>4, f.want)
				}
			case <-time.After(5 * time.Second):
				t.Fatalf("the IPv%d device received %d of %d packets", f.want, i, n)
			}
		}
	}
	wg.Wait()
	if got4 != n || got6 != n {
		t.Errorf("B received %d IPv4 and %d IPv6 packets, want %d each", got4, got6, n)
	}
	for r, k := range a.Stats().Drops {
		if k != 0 {
			t.Errorf("A dropped %d packets: %v", k, sad.DropReason(r))
		}
	}
	if s := m.Stats(); s != (datapath.MuxStats{}) {
		t.Errorf("mux stats %+v", s)
	}
}

// TestMuxNoAllocations: once running, carrying packets through the Mux
// allocates nothing, either way.
func TestMuxNoAllocations(t *testing.T) {
	d4, d6 := datapathtest.NewDevice(8, 8), datapathtest.NewDevice(8, 8)
	out := udpPacket(innerA4, innerB4, 1, 1400)
	d4.SetSource(func(buf []byte) int { return copy(buf, out) })
	d6.SetSink(func([]byte) {})
	d4.SetSink(func([]byte) {})
	m := datapath.NewMux(datapath.MuxConfig{BatchSize: 8})
	m.Set([]datapath.MuxLink{{Device: d4, Addrs: []netip.Prefix{vip4}}, {Device: d6, Addrs: []netip.Prefix{vip6}}})
	defer func() {
		d4.Close()
		d6.Close()
		m.Close()
	}()

	bufs := make([][]byte, 8)
	for i := range bufs {
		bufs[i] = make([]byte, 2048)
	}
	sizes := make([]int, 8)
	if a := testing.AllocsPerRun(200, func() {
		if _, err := m.Read(bufs, sizes, 24); err != nil {
			t.Fatal(err)
		}
	}); a != 0 {
		t.Errorf("Read: %.1f allocations per call", a)
	}

	in := [][]byte{
		append(make([]byte, 16), udpPacket(innerB4, innerA4, 2, 1400)...),
		append(make([]byte, 16), udpPacket(innerB6, innerA6, 3, 1400)...),
	}
	if a := testing.AllocsPerRun(200, func() {
		if n, err := m.Write(in, 16); n != 2 || err != nil {
			t.Fatalf("Write: %d, %v", n, err)
		}
	}); a != 0 {
		t.Errorf("Write: %.1f allocations per call", a)
	}
}
