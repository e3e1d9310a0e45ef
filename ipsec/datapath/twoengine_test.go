package datapath_test

import (
	"bytes"
	"github.com/espressovpn/espresso/ipsec/socket/sockettest"
	"net/netip"
	"sync"
	"testing"
	"time"

	"github.com/espressovpn/espresso/ipsec/datapath"
	"github.com/espressovpn/espresso/ipsec/datapath/datapathtest"
	"github.com/espressovpn/espresso/ipsec/sad"
	"github.com/espressovpn/espresso/ipsec/suite"
)

// flow sends n packets from one side to the other, alternating IPv4 and
// IPv6 and sizes, and checks every packet arrives intact and in order.
type flowSpec struct {
	from, to *side
	src4     netip.Addr
	dst4     netip.Addr
	src6     netip.Addr
	dst6     netip.Addr
}

func packetsFor(f flowSpec, n int) [][]byte {
	out := make([][]byte, n)
	for i := range n {
		size := 60 + (i*37)%1300
		if i%2 == 0 {
			out[i] = udpPacket(f.src4, f.dst4, uint32(i), size)
		} else {
			out[i] = udpPacket(f.src6, f.dst6, uint32(i), size)
		}
	}
	return out
}

// receiveAll waits for want on dev's Received channel, in order.
func receiveAll(t *testing.T, s *side, want [][]byte, what string) {
	t.Helper()
	timeout := time.After(20 * time.Second)
	for i := range want {
		select {
		case got := <-s.dev.Received():
			if !bytes.Equal(got, want[i]) {
				t.Errorf("%s: packet %d differs (got %d bytes, want %d)", what, i, len(got), len(want[i]))
				return
			}
		case <-timeout:
			t.Errorf("%s: only %d of %d packets arrived; stats %+v", what, i, len(want), s.e.Stats())
			return
		}
	}
}

func TestTwoEngines(t *testing.T) {
	suites := []struct {
		name  string
		encr  suite.Transform
		integ suite.TransformID
		esn   bool
	}{
		{"aes128gcm16", gcm128, 0, false},
		{"aes256gcm16-esn", suite.Transform{Type: suite.TypeEncr, ID: suite.EncrAESGCM16, KeyBits: 256}, 0, true},
		{"chacha20poly1305", suite.Transform{Type: suite.TypeEncr, ID: suite.EncrChaCha20Poly1305}, 0, true},
		{"aes256-sha384", suite.Transform{Type: suite.TypeEncr, ID: suite.EncrAESCBC, KeyBits: 256}, suite.IntegHMACSHA2_384_192, false},
	}
	for _, st := range suites {
		t.Run(st.name, func(t *testing.T) {
			a, b := pairUp(t, datapath.Config{Workers: 3, Backpressure: true})
			forA, forB := childSAs(1, 0x1000, 0x2000, st.encr, st.integ, st.esn)
			if err := a.e.Install(forA); err != nil {
				t.Fatal(err)
			}
			if err := b.e.Install(forB); err != nil {
				t.Fatal(err)
			}
			ab := packetsFor(flowSpec{a, b, innerA4, innerB4, innerA6, innerB6}, 2000)
			ba := packetsFor(flowSpec{b, a, innerB4, innerA4, innerB6, innerA6}, 2000)
			var wg sync.WaitGroup
			wg.Go(func() {
				for _, p := range ab {
					a.dev.Inject(p)
				}
			})
			wg.Go(func() {
				for _, p := range ba {
					b.dev.Inject(p)
				}
			})
			wg.Go(func() { receiveAll(t, b, ab, "A to B") })
			receiveAll(t, a, ba, "B to A")
			wg.Wait()
			in, out, ok := a.e.SACounters(0x1000)
			if !ok || in.Packets != 2000 || out.Packets != 2000 {
				t.Errorf("A's SA counters: in %+v out %+v", in, out)
			}
			for _, s := range []*side{a, b} {
				st := s.e.Stats()
				for r, n := range st.Drops {
					if n != 0 {
						t.Errorf("drops %v: %d", sad.DropReason(r), n)
					}
				}
			}
		})
	}
}

// TestRekeyLosesNothing keeps traffic flowing both ways while the Child SA is
// rekeyed make-before-break: each side installs the new SA (outbound moves
// to it, inbound accepts old and new), and the old one is removed only once
// its packets are through. No packet may be lost.
func TestRekeyLosesNothing(t *testing.T) {
	a, b := pairUp(t, datapath.Config{Workers: 2, Backpressure: true})
	oldA, oldB := childSAs(7, 0x1000, 0x2000, gcm128, 0, true)
	newA, newB := childSAs(7, 0x1001, 0x2001, gcm128, 0, true)
	for _, x := range []struct {
		s *side
		c datapath.ChildSA
	}{{a, oldA}, {b, oldB}} {
		if err := x.s.e.Install(x.c); err != nil {
			t.Fatal(err)
		}
	}
	const n = 6000
	ab := packetsFor(flowSpec{a, b, innerA4, innerB4, innerA6, innerB6}, n)
	ba := packetsFor(flowSpec{b, a, innerB4, innerA4, innerB6, innerA6}, n)
	var wg sync.WaitGroup
	rekeyed := make(chan struct{})
	inject := func(s *side, pkts [][]byte) {
		for i, p := range pkts {
			if i == n/3 {
				<-rekeyed // the rest goes out after both sides moved
			}
			s.dev.Inject(p)
		}
	}
	wg.Go(func() { inject(a, ab) })
	wg.Go(func() { inject(b, ba) })
	wg.Go(func() { receiveAll(t, b, ab, "A to B") })
	wg.Go(func() {
		// As in a CREATE_CHILD_SA exchange (RFC 7296 §2.8), while packets
		// flow: the responder installs the new SA for inbound only, the
		// initiator installs it and sends on it, then the responder moves
		// its outbound traffic too.
		for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(time.Millisecond) {
			_, outA, _ := a.e.SACounters(0x1000)
			_, outB, _ := b.e.SACounters(0x2000)
			if outA.Packets > 100 && outB.Packets > 100 {
				break
			}
		}
		newB.HoldOutbound = true
		if err := b.e.Install(newB); err != nil {
			t.Error(err)
		}
		if err := a.e.Install(newA); err != nil {
			t.Error(err)
		}
		if err := b.e.SwitchOutbound(0x2001); err != nil {
			t.Error(err)
		}
		close(rekeyed)
	})
	receiveAll(t, a, ba, "B to A")
	wg.Wait()
	// Everything arrived; the old SAs can go (RFC 7296 §2.8 DELETE).
	if err := a.e.Remove(0x1000); err != nil {
		t.Fatal(err)
	}
	if err := b.e.Remove(0x2000); err != nil {
		t.Fatal(err)
	}
	in, out, ok := a.e.SACounters(0x1001)
	if !ok || in.Packets == 0 || out.Packets == 0 {
		t.Errorf("new SA carried nothing: in %+v out %+v", in, out)
	}
	if out.Packets >= n {
		t.Errorf("old SA carried nothing (new SA sent %d of %d)", out.Packets, n)
	}
	// After removal, traffic still flows over the new SA.
	p := udpPacket(innerA4, innerB4, 99999, 100)
	a.dev.Inject(p)
	receiveAll(t, b, [][]byte{p}, "after removal")
	for _, s := range []*side{a, b} {
		for r, c := range s.e.Stats().Drops {
			if c != 0 {
				t.Errorf("drops %v: %d", sad.DropReason(r), c)
			}
		}
	}
	if err := a.e.Remove(0x1000); err != datapath.ErrNoSuchSA {
		t.Errorf("second Remove: %v", err)
	}
}

// TestInnerChecksumNotChecked pins the decision documented at ipPacket: an
// inner IPv4 packet whose header checksum is wrong is delivered as it came,
// for the system's IP input to judge.
func TestInnerChecksumNotChecked(t *testing.T) {
	a, b := pairUp(t, datapath.Config{Backpressure: true})
	forA, forB := childSAs(1, 0x1000, 0x2000, gcm128, 0, false)
	if err := a.e.Install(forA); err != nil {
		t.Fatal(err)
	}
	if err := b.e.Install(forB); err != nil {
		t.Fatal(err)
	}
	p := udpPacket(innerA4, innerB4, 7, 300)
	p[10], p[11] = 0xde, 0xad
	a.dev.Inject(p)
	receiveAll(t, b, [][]byte{p}, "bad checksum")
}

// TestMTUSizedBuffers: the buffers follow the MTU, so an engine pair with
// a 9000-byte MTU carries packets of every size up to 9000 bytes, with
// each suite's largest overhead (AES-CBC with HMAC-SHA-512).
func TestMTUSizedBuffers(t *testing.T) {
	encrs := []struct {
		name  string
		encr  suite.Transform
		integ suite.TransformID
	}{
		{"aes128gcm16", gcm128, 0},
		{"aes256-sha512", suite.Transform{Type: suite.TypeEncr, ID: suite.EncrAESCBC, KeyBits: 256}, suite.IntegHMACSHA2_512_256},
	}
	for _, st := range encrs {
		t.Run(st.name, func(t *testing.T) {
			a, b := pairUp(t, datapath.Config{MTU: datapath.MaxMTU, Workers: 2, Backpressure: true})
			forA, forB := childSAs(1, 0x1000, 0x2000, st.encr, st.integ, false)
			if err := a.e.Install(forA); err != nil {
				t.Fatal(err)
			}
			if err := b.e.Install(forB); err != nil {
				t.Fatal(err)
			}
			var ab [][]byte
			for i, size := range []int{1280, 4023, 4096, 8192, 8999, datapath.MaxMTU} {
				ab = append(ab, udpPacket(innerA4, innerB4, uint32(i), size), udpPacket(innerA6, innerB6, uint32(i), size))
			}
			for _, p := range ab {
				a.dev.Inject(p)
			}
			receiveAll(t, b, ab, "A to B")
		})
	}
}

func TestMTUConfig(t *testing.T) {
	for _, c := range []struct {
		name string
		cfg  datapath.Config
	}{
		{"above 9000", datapath.Config{MTU: datapath.MaxMTU + 1}},
		{"buffer below the MTU", datapath.Config{MTU: 9000, BufferSize: 8192}},
	} {
		ta, tb := sockettest.Pipe(addrA, addrB, 16, 8)
		c.cfg.Device, c.cfg.UDP = datapathtest.NewDevice(8, 8), ta
		if e, err := datapath.New(c.cfg); err == nil {
			e.Close()
			t.Errorf("%s: New accepted it", c.name)
		}
		ta.Close()
		tb.Close()
	}
	if n := datapath.BufferSizeFor(1400); n != 4096 {
		t.Errorf("BufferSizeFor(1400) = %d; want 4096 (room for IKE)", n)
	}
	if n := datapath.BufferSizeFor(9000); n < 9000+8+16+15+2+32 {
		t.Errorf("BufferSizeFor(9000) = %d; too small for the ESP overhead", n)
	}
}

// capDevice records the smallest capacity of the buffers Write is given.
type capDevice struct {
	*datapathtest.Device
	mu     sync.Mutex
	minCap int // of the buffers of writes of several packets
	lone   int // writes of one packet
	// loneStaged counts writes of one packet given a 64 KiB buffer.
	loneStaged int
	multi      int // writes of several packets
	// hold, when set, holds each Write until it is closed.
	hold chan struct{}
}

func (d *capDevice) Write(bufs [][]byte, offset int) (int, error) {
	d.mu.Lock()
	hold := d.hold
	d.mu.Unlock()
	if hold != nil {
		<-hold
	}
	d.mu.Lock()
	if len(bufs) == 1 {
		d.lone++
		if cap(bufs[0]) >= 65535 {
			d.loneStaged++
		}
	} else {
		d.multi++
		for _, b := range bufs {
			if d.minCap == 0 || cap(b) < d.minCap {
				d.minCap = cap(b)
			}
		}
	}
	d.mu.Unlock()
	return d.Device.Write(bufs, offset)
}

// TestCoalesceWrites: with CoalesceWrites the device is given buffers with
// room for a 64 KiB packet when it is given several packets to coalesce,
// a lone packet is written from the engine's own buffer, and the packets
// still arrive intact and in order.
func TestCoalesceWrites(t *testing.T) {
	ta, tb := sockettest.Pipe(addrA, addrB, 1024, 32)
	devA := datapathtest.NewDevice(32, 4096)
	devB := &capDevice{Device: datapathtest.NewDevice(32, 4096)}
	a, b := &side{dev: devA, tr: ta}, &side{dev: devB.Device, tr: tb}
	for _, s := range []struct {
		s *side
		d datapath.Device
	}{{a, devA}, {b, devB}} {
		e, err := datapath.New(datapath.Config{Device: s.d, UDP: s.s.tr, Workers: 2, Backpressure: true, CoalesceWrites: true})
		if err != nil {
			t.Fatal(err)
		}
		s.s.e = e
	}
	t.Cleanup(func() {
		for _, s := range []*side{a, b} {
			s.dev.Close()
			s.tr.Close()
			s.e.Close()
		}
	})
	forA, forB := childSAs(1, 0x1000, 0x2000, gcm128, 0, false)
	if err := a.e.Install(forA); err != nil {
		t.Fatal(err)
	}
	if err := b.e.Install(forB); err != nil {
		t.Fatal(err)
	}
	// One packet alone, answered before the next is sent, then a stream.
	lone := packetsFor(flowSpec{a, b, innerA4, innerB4, innerA6, innerB6}, 1)
	a.dev.Inject(lone[0])
	receiveAll(t, b, lone, "A to B, alone")
	// The stream waits at B's device until A has sent all of it, so that
	// B reads it in full batches.
	hold := make(chan struct{})
	devB.mu.Lock()
	devB.hold = hold
	devB.mu.Unlock()
	ab := packetsFor(flowSpec{a, b, innerA4, innerB4, innerA6, innerB6}, 500)
	go func() {
		for _, p := range ab {
			a.dev.Inject(p)
		}
	}()
	for deadline := time.Now().Add(20 * time.Second); a.e.Stats().PacketsOut < uint64(1+len(ab)); {
		if time.Now().After(deadline) {
			close(hold)
			t.Fatalf("A sent %d of %d packets", a.e.Stats().PacketsOut, 1+len(ab))
		}
		time.Sleep(time.Millisecond)
	}
	devB.mu.Lock()
	devB.hold = nil
	devB.mu.Unlock()
	close(hold)
	receiveAll(t, b, ab, "A to B")
	devB.mu.Lock()
	defer devB.mu.Unlock()
	if devB.lone == 0 || devB.loneStaged != 0 {
		t.Errorf("%d of %d writes of a lone packet were staged in 64 KiB buffers; want none of at least one", devB.loneStaged, devB.lone)
	}
	if devB.multi == 0 {
		t.Errorf("no write of several packets")
	}
	if devB.minCap < 16+65535 {
		t.Errorf("Write got a buffer of capacity %d; want room for a 64 KiB packet", devB.minCap)
	}
	if bound := b.e.MemoryBound(); bound < 32*65535 {
		t.Errorf("MemoryBound %d leaves out the coalescing buffers", bound)
	}
}
