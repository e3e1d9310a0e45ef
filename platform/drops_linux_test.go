package platform

import (
	"net"
	"net/netip"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// TestUDPQueueDrops overflows a UDP transport nobody reads: another
// socket sends more than its (shrunk) receive buffer holds, and
// QueueDrops counts what the kernel turned away.
func TestUDPQueueDrops(t *testing.T) {
	lo := netip.MustParseAddr("127.0.0.1")
	rcv, err := ListenUDP(UDPConfig{Addr: netip.AddrPortFrom(lo, 0)})
	if err != nil {
		t.Fatal(err)
	}
	defer rcv.Close()
	// A plain socket sends one datagram per call: the transport's own
	// would send runs as one segmented datagram, which loopback hands
	// the receiver's GRO whole, and a full buffer drops whole, counted
	// once.
	snd, err := net.DialUDP("udp4", nil, net.UDPAddrFromAddrPort(rcv.LocalAddr()))
	if err != nil {
		t.Fatal(err)
	}
	defer snd.Close()
	shrinkReceiveBuffer(t, rcv.(*udpTransport))
	d := rcv.(QueueDropper)
	if n, err := d.QueueDrops(); n != 0 || err != nil {
		t.Fatalf("new socket: QueueDrops = %d, %v", n, err)
	}

	const sent = 256
	payload := make([]byte, 1000)
	for range sent {
		if _, err := snd.Write(payload); err != nil {
			t.Fatalf("send: %v", err)
		}
	}
	n := waitDrops(t, d, sent/2)
	if n < sent/2 || n > sent {
		t.Errorf("%d datagrams into a full buffer: QueueDrops = %d, want most of them", sent, n)
	}

	rcv.Close()
	if _, err := d.QueueDrops(); err == nil {
		t.Error("QueueDrops of a closed socket: no error")
	}
}

// shrinkReceiveBuffer sets the socket's receive buffer to the kernel's
// least, which holds a handful of datagrams.
func shrinkReceiveBuffer(t *testing.T, u *udpTransport) {
	t.Helper()
	rc, err := u.conn.SyscallConn()
	if err != nil {
		t.Fatal(err)
	}
	var serr error
	if err := rc.Control(func(fd uintptr) {
		serr = unix.SetsockoptInt(int(fd), unix.SOL_SOCKET, unix.SO_RCVBUF, 4096)
	}); err != nil || serr != nil {
		t.Fatalf("SO_RCVBUF: %v %v", err, serr)
	}
}

// waitDrops reads d until it counts at least want, for at most five
// seconds: loopback delivers in the sender's system call or soon after in
// the kernel's softirq thread.
func waitDrops(t *testing.T, d QueueDropper, want uint64) uint64 {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		n, err := d.QueueDrops()
		if err != nil {
			t.Fatalf("QueueDrops: %v", err)
		}
		if n >= want || time.Now().After(deadline) {
			return n
		}
		time.Sleep(10 * time.Millisecond)
	}
}
