package linux

import (
	"bytes"
	"crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/espressovpn/espresso/platform/internal/virtionet"
	"github.com/espressovpn/espresso/platform/linux/testnet"
	"golang.org/x/sys/unix"
	"golang.zx2c4.com/wireguard/tun"
)

// The TUN device of these tests holds 198.18.0.1/16 in a namespace of its
// own: whatever the namespace sends to the rest of 198.18.0.0/16 is read
// from the device.
const (
	tunAddr    = "198.18.0.1"
	tunOffset  = 16
	tunBufSize = tunOffset + 1500
)

// batchDevice creates a TUN device with golang.zx2c4.com/wireguard/tun in a
// new namespace and returns it wrapped by BatchReads.
func batchDevice(t *testing.T) (*testnet.Namespace, *batchTUN) {
	t.Helper()
	testnet.RequireRoot(t)
	ns := testnet.NewNamespace(t, "tunread")
	var dev tun.Device
	err := ns.Do(func() error {
		var err error
		dev, err = tun.CreateTUN("tr%d", 1500)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	wrapped, err := BatchReads(dev)
	if err != nil {
		dev.Close()
		t.Fatal(err)
	}
	t.Cleanup(func() { wrapped.Close() })
	b, ok := wrapped.(*batchTUN)
	if !ok {
		t.Fatalf("BatchReads returned %T: the device has no virtio network header", wrapped)
	}
	name, err := dev.Name()
	if err != nil {
		t.Fatal(err)
	}
	// No IPv6, so that no router solicitation joins the packets read.
	ns.MustRun("sysctl", "-qw", "net.ipv6.conf."+name+".disable_ipv6=1")
	ns.MustRun("ip", "addr", "add", tunAddr+"/16", "dev", name)
	ns.MustRun("ip", "link", "set", name, "up")
	return ns, b
}

func newBatch(n int) ([][]byte, []int) {
	bufs := make([][]byte, n)
	for i := range bufs {
		bufs[i] = make([]byte, tunBufSize)
	}
	return bufs, make([]int, n)
}

// dialUDP opens a UDP socket in ns connected to addr.
func dialUDP(t *testing.T, ns *testnet.Namespace, addr string) *net.UDPConn {
	t.Helper()
	var c net.Conn
	if err := ns.Do(func() (err error) { c, err = net.Dial("udp4", addr); return err }); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c.(*net.UDPConn)
}

// checkUDP checks that pkt is an IPv4 UDP packet with valid checksums and
// returns its payload.
func checkUDP(t *testing.T, pkt []byte) []byte {
	t.Helper()
	if len(pkt) < 28 || pkt[0] != 0x45 || pkt[9] != unix.IPPROTO_UDP {
		t.Fatalf("not an IPv4 UDP packet: % x", pkt[:min(len(pkt), 28)])
	}
	if virtionet.Checksum(pkt[:20], 0) != 0 {
		t.Error("bad IPv4 header checksum")
	}
	l4 := pkt[20:]
	if virtionet.Checksum(l4, virtionet.PseudoSum(pkt[12:16], pkt[16:20], unix.IPPROTO_UDP, len(l4))) != 0 {
		t.Error("bad UDP checksum")
	}
	return l4[8:]
}

// TestBatchReadsUDPBurst sends datagrams into the device, each its own
// packet, and reads them back with one Read.
func TestBatchReadsUDPBurst(t *testing.T) {
	ns, dev := batchDevice(t)
	c := dialUDP(t, ns, "198.18.0.2:9")
	const burst = 40
	for i := range burst {
		// Sending is synchronous: the packet is queued on the device when
		// Write returns.
		if _, err := c.Write(fmt.Appendf(nil, "datagram %d%s", i, strings.Repeat("x", i*31))); err != nil {
			t.Fatal(err)
		}
	}
	bufs, sizes := newBatch(128)
	n, err := dev.Read(bufs, sizes, tunOffset)
	if err != nil {
		t.Fatal(err)
	}
	if n != burst {
		t.Fatalf("one Read returned %d packets, want the %d queued", n, burst)
	}
	for i := range n {
		payload := checkUDP(t, bufs[i][tunOffset:tunOffset+sizes[i]])
		if want := fmt.Sprintf("datagram %d%s", i, strings.Repeat("x", i*31)); string(payload) != want {
			t.Errorf("packet %d carries %.20q, want %.20q", i, payload, want)
		}
	}

	// A Read with fewer buffers than packets waiting leaves the rest for
	// the next.
	for range 5 {
		c.Write([]byte("again"))
	}
	if n, err := dev.Read(bufs[:3], sizes, tunOffset); n != 3 || err != nil {
		t.Fatalf("Read into 3 buffers = %d, %v", n, err)
	}
	if n, err := dev.Read(bufs, sizes, tunOffset); n != 2 || err != nil {
		t.Fatalf("Read of the rest = %d, %v", n, err)
	}

	// The socket's own descriptor, written to directly: the net package's
	// Write may allocate, and only Read is measured.
	f, err := c.File()
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	fd, msg := int(f.Fd()), []byte("steady")
	allocs := testing.AllocsPerRun(50, func() {
		for range 8 {
			if _, err := unix.Write(fd, msg); err != nil {
				t.Fatal(err)
			}
		}
		if n, err := dev.Read(bufs, sizes, tunOffset); n != 8 || err != nil {
			t.Fatalf("Read = %d, %v", n, err)
		}
	})
	if allocs != 0 {
		t.Errorf("%v allocations per burst", allocs)
	}
}

// TestBatchReadsCloseEndsRead checks that closing the device ends a Read
// waiting for a packet with os.ErrClosed, which the data path takes for
// the end of the device.
func TestBatchReadsCloseEndsRead(t *testing.T) {
	_, dev := batchDevice(t)
	errc := make(chan error, 1)
	go func() {
		bufs, sizes := newBatch(4)
		_, err := dev.Read(bufs, sizes, tunOffset)
		errc <- err
	}()
	dev.Close()
	select {
	case err := <-errc:
		if !errors.Is(err, os.ErrClosed) {
			t.Fatalf("Read after Close = %v, want os.ErrClosed", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Read still waiting for a packet 10s after Close")
	}
}

// TestBatchReadsTCPStream sends a TCP stream through the device and back,
// so that the kernel's TCP checks every segment the device's super-packets
// are split into: the stream arrives intact only if lengths, sequence
// numbers and checksums are right.
//
// The client connects to 198.18.1.1, which is read from the device; a
// reflector rewrites its packets to come from 198.18.2.1 to the device's
// own address, where the server listens, and the server's answers the
// other way round.
func TestBatchReadsTCPStream(t *testing.T) {
	ns, dev := batchDevice(t)
	local, front, back := []byte{198, 18, 0, 1}, []byte{198, 18, 1, 1}, []byte{198, 18, 2, 1}

	var wg sync.WaitGroup
	// Closing the device ends the reflector.
	t.Cleanup(func() { dev.Close(); wg.Wait() })
	wg.Go(func() {
		bufs, sizes := newBatch(dev.BatchSize())
		for {
			n, err := dev.Read(bufs, sizes, tunOffset)
			if errors.Is(err, os.ErrClosed) {
				return
			}
			if err != nil {
				t.Errorf("Read: %v", err)
				return
			}
			for i := range n {
				pkt := bufs[i][tunOffset : tunOffset+sizes[i]]
				if !reflect(pkt, local, front, back) {
					continue
				}
				// One packet per Write: no coalescing, so the kernel checks
				// each checksum as it came from the split.
				if _, err := dev.Write([][]byte{bufs[i][:tunOffset+sizes[i]]}, tunOffset); errors.Is(err, os.ErrClosed) {
					return // the test is over: the end of the stream's teardown may still come
				} else if err != nil {
					t.Errorf("Write: %v", err)
				}
			}
		}
	})

	var ln net.Listener
	if err := ns.Do(func() (err error) { ln, err = net.Listen("tcp4", tunAddr+":5001"); return err }); err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	want := make([]byte, 8<<20)
	rand.Read(want)
	got := make(chan []byte, 1)
	go func() {
		c, err := ln.Accept()
		if err != nil {
			got <- nil
			return
		}
		defer c.Close()
		c.SetDeadline(time.Now().Add(60 * time.Second))
		b, _ := io.ReadAll(c)
		got <- b
	}()
	var c net.Conn
	if err := ns.Do(func() (err error) { c, err = net.DialTimeout("tcp4", "198.18.1.1:5001", 10*time.Second); return err }); err != nil {
		t.Fatalf("connect through the reflector: %v", err)
	}
	c.SetDeadline(time.Now().Add(60 * time.Second))
	if _, err := c.Write(want); err != nil {
		t.Fatalf("send the stream: %v", err)
	}
	c.Close()
	var b []byte
	select {
	case b = <-got:
	case <-time.After(70 * time.Second):
		t.Fatal("the server did not get the end of the stream in 70s")
	}
	if !bytes.Equal(b, want) {
		t.Fatalf("the server got %d bytes, not the %d sent", len(b), len(want))
	}
	split := dev.superPackets.Load()
	if split == 0 {
		t.Error("the stream came through without a super-packet to split")
	}
	t.Logf("%d super-packets split", split)
}

// reflect rewrites an IPv4 TCP packet from local to front as one from
// back to local, and one from local to back as one from front to local,
// with its checksums made anew. It reports whether pkt was one of them.
func reflect(pkt, local, front, back []byte) bool {
	if len(pkt) < 40 || pkt[0]>>4 != 4 || pkt[9] != unix.IPPROTO_TCP || !slices.Equal(pkt[12:16], local) {
		return false
	}
	ihl := int(pkt[0]&0x0f) * 4
	switch {
	case slices.Equal(pkt[16:20], front):
		copy(pkt[12:16], back)
	case slices.Equal(pkt[16:20], back):
		copy(pkt[12:16], front)
	default:
		return false
	}
	copy(pkt[16:20], local)
	pkt[10], pkt[11] = 0, 0
	binary.BigEndian.PutUint16(pkt[10:], virtionet.Checksum(pkt[:ihl], 0))
	l4 := pkt[ihl:]
	l4[16], l4[17] = 0, 0
	binary.BigEndian.PutUint16(l4[16:], virtionet.Checksum(l4, virtionet.PseudoSum(pkt[12:16], pkt[16:20], unix.IPPROTO_TCP, len(l4))))
	return true
}

// TestBatchReadsUDPFlood counts the packets per Read while a sender floods
// the device with datagrams. How many wait depends on the machine, so the
// counts are logged, not checked.
func TestBatchReadsUDPFlood(t *testing.T) {
	ns, dev := batchDevice(t)
	c := dialUDP(t, ns, "198.18.0.2:9")
	const total = 50000
	done, read := make(chan struct{}), make(chan struct{})
	defer func() { close(read); <-done }()
	go func() {
		defer close(done)
		msg := make([]byte, 1400)
		for range total {
			c.Write(msg)
		}
		// The end: a datagram of another size, sent until it is read,
		// as the device drops what it has no room for.
		tick := time.NewTicker(time.Millisecond)
		defer tick.Stop()
		for {
			c.Write(msg[:100])
			select {
			case <-read:
				return
			case <-tick.C:
			}
		}
	}()
	bufs, sizes := newBatch(dev.BatchSize())
	hist := map[int]int{}
	reads, packets := 0, 0
	timeout := time.AfterFunc(30*time.Second, func() { dev.Close() })
	defer timeout.Stop()
loop:
	for {
		n, err := dev.Read(bufs, sizes, tunOffset)
		if err != nil {
			t.Fatalf("Read (the end of the flood was not read in 30s if closed): %v", err)
		}
		reads++
		packets += n
		hist[n]++
		for i := range n {
			if sizes[i] == 128 {
				break loop
			}
		}
	}
	var sizesSeen []int
	for k := range hist {
		sizesSeen = append(sizesSeen, k)
	}
	slices.Sort(sizesSeen)
	var sb strings.Builder
	for _, k := range sizesSeen {
		fmt.Fprintf(&sb, " %d:%d", k, hist[k])
	}
	t.Logf("%d packets of %d sent in %d Reads, %.1f per Read; packets per Read:reads%s", packets, total, reads, float64(packets)/float64(reads), sb.String())
}
