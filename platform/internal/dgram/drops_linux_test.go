package dgram

import (
	"encoding/binary"
	"net"
	"testing"
	"time"
)

func TestMeminfoDrops(t *testing.T) {
	// What Linux 6.x answers for a UDP socket whose buffer overflowed 7
	// times: rmem_alloc, rcvbuf, wmem_alloc, sndbuf, fwd_alloc,
	// wmem_queued, optmem, backlog, drops.
	answer := func(order binary.ByteOrder) []byte {
		b := make([]byte, skMeminfoVars*4)
		for i, v := range []uint32{212992, 425984, 0, 425984, 0, 0, 0, 0, 7} {
			order.PutUint32(b[i*4:], v)
		}
		return b
	}
	for _, tc := range []struct {
		name  string
		order binary.ByteOrder
		n     int
		drops uint32
		ok    bool
	}{
		{"little endian", binary.LittleEndian, 36, 7, true},
		{"big endian", binary.BigEndian, 36, 7, true},
		{"no drop count", binary.LittleEndian, 32, 0, false},
		{"empty", binary.LittleEndian, 0, 0, false},
	} {
		d, ok := meminfoDrops(answer(tc.order), tc.n, tc.order)
		if d != tc.drops || ok != tc.ok {
			t.Errorf("%s: meminfoDrops = %d, %v; want %d, %v", tc.name, d, ok, tc.drops, tc.ok)
		}
	}
	if _, ok := meminfoDrops(nil, 36, binary.LittleEndian); ok {
		t.Error("nil buffer: ok")
	}
}

// TestDrops overflows a socket nobody reads: a sender on loopback sends
// more than its receive buffer holds, and the kernel counts what it
// could not queue.
func TestDrops(t *testing.T) {
	rcv, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	defer rcv.Close()
	rc, err := rcv.SyscallConn()
	if err != nil {
		t.Fatal(err)
	}
	if err := rcv.SetReadBuffer(4096); err != nil {
		t.Fatal(err)
	}
	before, err := Drops(rc)
	if err != nil {
		t.Fatalf("Drops: %v", err)
	}
	if before != 0 {
		t.Errorf("new socket: %d drops", before)
	}
	snd, err := net.DialUDP("udp4", nil, rcv.LocalAddr().(*net.UDPAddr))
	if err != nil {
		t.Fatal(err)
	}
	defer snd.Close()
	// Loopback delivers within the send: once the small buffer is full,
	// every further datagram is dropped on arrival.
	const sent = 200
	payload := make([]byte, 1000)
	for range sent {
		if _, err := snd.Write(payload); err != nil {
			t.Fatal(err)
		}
	}
	// Loopback delivers in the sender's system call, or soon after in
	// the kernel's softirq thread: wait, boundedly, for the count.
	var after uint32
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		if after, err = Drops(rc); err != nil {
			t.Fatal(err)
		}
		// The buffer (4096 bytes, doubled) holds a few of the 1000-byte
		// datagrams with their overhead; the rest is dropped.
		if after >= sent/2 || time.Now().After(deadline) {
			break
		}
	}
	if after < sent/2 || after > sent {
		t.Errorf("after %d datagrams into a full buffer: %d drops, want most of them", sent, after)
	}
	// Reading frees room; what was queued is still there and counts
	// nothing more.
	_ = rcv.SetReadDeadline(time.Now().Add(time.Second))
	if _, _, err := rcv.ReadFromUDP(make([]byte, 2000)); err != nil {
		t.Fatalf("read a queued datagram: %v", err)
	}
	if again, _ := Drops(rc); again != after {
		t.Errorf("drops %d after a read, was %d", again, after)
	}
}

func TestDropsClosed(t *testing.T) {
	c, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	rc, err := c.SyscallConn()
	if err != nil {
		t.Fatal(err)
	}
	c.Close()
	if _, err := Drops(rc); err == nil {
		t.Error("Drops of a closed socket: no error")
	}
}
