package datapath_test

import (
	"encoding/binary"
	"net/netip"
	"sync"
	"testing"
	"time"

	"github.com/espressovpn/espresso/ipsec/datapath"
	"github.com/espressovpn/espresso/ipsec/datapath/datapathtest"
	"github.com/espressovpn/espresso/ipsec/sad"
	"github.com/espressovpn/espresso/ipsec/socket"
)

// recorder is a socket.Transport that keeps the destination and ESP sequence
// number of every datagram written to it, and reads nothing.
type recorder struct {
	mu   sync.Mutex
	sent []sentESP
	done chan struct{}
	once sync.Once
}

type sentESP struct {
	to  netip.AddrPort
	seq uint32
}

func (r *recorder) WriteBatch(msgs []socket.Datagram) (int, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, m := range msgs {
		r.sent = append(r.sent, sentESP{m.Addr, binary.BigEndian.Uint32(m.Buf[4:8])})
	}
	return len(msgs), nil
}

func (r *recorder) ReadBatch([]socket.Datagram) (int, error) {
	<-r.done
	return 0, socket.ErrClosed
}

func (r *recorder) BatchSize() int            { return 8 }
func (r *recorder) LocalAddr() netip.AddrPort { return netip.AddrPort{} }
func (r *recorder) Close() error              { r.once.Do(func() { close(r.done) }); return nil }

func (r *recorder) snapshot() []sentESP {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]sentESP(nil), r.sent...)
}

// TestMovePeerWhileSending moves a Child SA's peer back and forth while
// packets are being sealed and sent on it (run under -race): every packet
// leaves whole, to one of the two addresses, with the SA's sequence numbers
// unbroken; once MovePeer returns, later packets go to the new address.
func TestMovePeerWhileSending(t *testing.T) {
	dev := datapathtest.NewDevice(8, 4096)
	tr := &recorder{done: make(chan struct{})}
	e, err := datapath.New(datapath.Config{Device: dev, UDP: tr, Workers: 2, Backpressure: true})
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		dev.Close()
		tr.Close()
		e.Close()
	}()
	forA, _ := childSAs(5, 0x1000, 0x2000, gcm128, 0, false)
	if err := e.Install(forA); err != nil {
		t.Fatal(err)
	}
	moved := netip.MustParseAddrPort("203.0.113.77:4500")
	const n, tail = 3000, 200
	var wg sync.WaitGroup
	stop := make(chan struct{})
	wg.Go(func() {
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			default:
			}
			to := addrB
			if i%2 == 0 {
				to = moved
			}
			if err := e.MovePeer(0x1000, to, sad.EncapUDP); err != nil {
				t.Error(err)
				return
			}
		}
	})
	for i := range n - tail {
		dev.Inject(udpPacket(innerA4, innerB4, uint32(i), 100+i%1000))
	}
	waitSent(t, tr, n-tail)
	close(stop)
	wg.Wait()
	if err := e.MovePeer(0x1000, moved, sad.EncapUDP); err != nil {
		t.Fatal(err)
	}
	for i := n - tail; i < n; i++ {
		dev.Inject(udpPacket(innerA4, innerB4, uint32(i), 100))
	}
	sent := waitSent(t, tr, n)
	perAddr := map[netip.AddrPort]int{}
	for i, s := range sent {
		if s.seq != uint32(i+1) {
			t.Fatalf("datagram %d has sequence number %d", i, s.seq)
		}
		if s.to != addrB && s.to != moved {
			t.Fatalf("datagram %d sent to %v", i, s.to)
		}
		if i >= n-tail && s.to != moved {
			t.Fatalf("datagram %d, after the move, sent to %v", i, s.to)
		}
		perAddr[s.to]++
	}
	t.Logf("sent to %v: %d, to %v: %d", addrB, perAddr[addrB], moved, perAddr[moved])
	if err := e.MovePeer(0x9999, moved, sad.EncapUDP); err != datapath.ErrNoSuchSA {
		t.Fatalf("MovePeer of an unknown SA: %v", err)
	}
}

// waitSent waits until the recorder holds n datagrams and returns them.
func waitSent(t *testing.T, r *recorder, n int) []sentESP {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		s := r.snapshot()
		if len(s) >= n {
			if len(s) > n {
				t.Fatalf("%d datagrams sent, want %d", len(s), n)
			}
			return s
		}
		if time.Now().After(deadline) {
			t.Fatalf("only %d of %d datagrams sent", len(s), n)
		}
		time.Sleep(time.Millisecond)
	}
}
