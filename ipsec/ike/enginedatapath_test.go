package ike_test

import (
	"crypto/rand"
	"net/netip"
	"sync"
	"testing"
	"time"

	"github.com/espressovpn/espresso/ipsec/datapath"
	"github.com/espressovpn/espresso/ipsec/datapath/datapathtest"
	"github.com/espressovpn/espresso/ipsec/esp"
	"github.com/espressovpn/espresso/ipsec/ike"
	"github.com/espressovpn/espresso/ipsec/socket"
	"github.com/espressovpn/espresso/ipsec/suite"
)

// sentTo is an engine socket that reads nothing and reports where each
// datagram written to it went.
type sentTo struct {
	to   chan netip.AddrPort
	done chan struct{}
	once sync.Once
}

func newSentTo() *sentTo {
	return &sentTo{to: make(chan netip.AddrPort, 64), done: make(chan struct{})}
}

func (s *sentTo) ReadBatch([]socket.Datagram) (int, error) {
	<-s.done
	return 0, socket.ErrClosed
}

func (s *sentTo) WriteBatch(msgs []socket.Datagram) (int, error) {
	for _, m := range msgs {
		select {
		case s.to <- m.Addr:
		default:
		}
	}
	return len(msgs), nil
}

func (s *sentTo) BatchSize() int            { return 8 }
func (s *sentTo) LocalAddr() netip.AddrPort { return netip.AddrPort{} }
func (s *sentTo) Close() error              { s.once.Do(func() { close(s.done) }); return nil }

// next waits for the destination of the next datagram written.
func (s *sentTo) next(t *testing.T, what string) netip.AddrPort {
	t.Helper()
	select {
	case a := <-s.to:
		return a
	case <-time.After(10 * time.Second):
		t.Fatalf("no ESP sent %s", what)
		return netip.AddrPort{}
	}
}

func gcmParams(t *testing.T, spi uint32) esp.Params {
	t.Helper()
	key := make([]byte, 36)
	if _, err := rand.Read(key); err != nil {
		t.Fatal(err)
	}
	return esp.Params{SPI: spi, Encr: suite.Transform{Type: suite.TypeEncr, ID: suite.EncrAESGCM16, KeyBits: 256}, EncrKey: key}
}

// TestEngineDataPath: the one DataPath over the engine sends UDP-encapsulated
// ESP to the peer's port and follows it when a NAT in front of the peer
// remaps it (PeerMover, RFC 7296 §2.23), sends raw ESP to the address
// alone, takes ReqID 0 as the Conn's default, and keeps the counts of
// the SAs it removed.
func TestEngineDataPath(t *testing.T) {
	udp, raw := newSentTo(), newSentTo()
	dev := datapathtest.NewDevice(8, 64)
	eng, err := datapath.New(datapath.Config{Device: dev, UDP: udp, Raw: raw, Workers: 1})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		dev.Close()
		udp.Close()
		raw.Close()
		eng.Close()
	})
	dp := ike.NewEngineDataPath(eng)

	local, remote := netip.MustParseAddr("198.18.0.1"), netip.MustParseAddr("203.0.113.10")
	gw := netip.MustParseAddrPort("192.0.2.1:4500")
	sa := &ike.ChildSA{
		Inbound: gcmParams(t, 0xc0010001), Outbound: gcmParams(t, 0x9a7e0001),
		// Unmasked selectors match as their masked prefixes.
		LocalTS:  []netip.Prefix{netip.MustParsePrefix("198.18.0.1/24")},
		RemoteTS: []netip.Prefix{netip.MustParsePrefix("203.0.113.99/24")},
		Encap:    true, Remote: gw,
	}
	if err := dp.AddInbound(sa); err != nil {
		t.Fatal(err)
	}
	if err := dp.SetOutbound(sa, 0); err != nil {
		t.Fatal(err)
	}
	dev.Inject(udp4(local, remote, 1, 64))
	if got := udp.next(t, "on the installed SA"); got != gw {
		t.Errorf("ESP went to %v, want %v", got, gw)
	}

	// The gateway's NAT now maps it to another port.
	moved := netip.MustParseAddrPort("192.0.2.1:31000")
	sa.Remote = moved
	var mover ike.PeerMover = dp
	if err := mover.MovePeer(sa); err != nil {
		t.Fatal(err)
	}
	dev.Inject(udp4(local, remote, 2, 64))
	if got := udp.next(t, "after the move"); got != moved {
		t.Errorf("ESP went to %v after the move, want %v", got, moved)
	}

	// Without encapsulation ESP goes to the address: no port.
	sa.Encap = false
	if err := dp.MovePeer(sa); err != nil {
		t.Fatal(err)
	}
	dev.Inject(udp4(local, remote, 3, 64))
	if got, want := raw.next(t, "as raw ESP"), netip.AddrPortFrom(gw.Addr(), 0); got != want {
		t.Errorf("raw ESP went to %v, want %v", got, want)
	}

	var counter ike.TrafficCounter = dp
	if _, out, ok := counter.Traffic(sa); !ok || out != 3 {
		t.Errorf("Traffic: %d out (held %v), want 3", out, ok)
	}
	if err := dp.Remove(sa); err != nil {
		t.Fatal(err)
	}
	if _, _, ok := dp.Traffic(sa); ok {
		t.Error("Traffic of a removed SA")
	}
	if c := dp.Counters(); c.Out.Packets != 3 || c.Out.Bytes == 0 {
		t.Errorf("Counters after Remove: %+v, want the removed SA's 3 packets out", c)
	}
	if err := dp.Remove(sa); err != nil {
		t.Errorf("removing it again: %v", err)
	}
}
