package bsd

import (
	"encoding/binary"
	"os"
	"testing"
	"time"

	"github.com/espressovpn/espresso/platform"
)

// pipeSocket is a routing socket whose messages the test sends; Read
// blocks until one comes or Close.
type pipeSocket struct {
	msgs   chan []byte
	closed chan struct{}
}

func newPipeSocket() *pipeSocket {
	return &pipeSocket{msgs: make(chan []byte, 16), closed: make(chan struct{})}
}

func (s *pipeSocket) Read(b []byte) (int, error) {
	select {
	case m := <-s.msgs:
		return copy(b, m), nil
	case <-s.closed:
		return 0, os.ErrClosed
	}
}

func (s *pipeSocket) Write(b []byte) (int, error)     { return len(b), nil }
func (s *pipeSocket) SetReadDeadline(time.Time) error { return nil }
func (s *pipeSocket) Close() error                    { close(s.closed); return nil }

// ifinfo is an RTM_IFINFO message's if_msghdr head: what the Monitor
// reads of it.
func ifinfo(index uint16, flags uint32) []byte {
	b := make([]byte, 16)
	ne := binary.NativeEndian
	ne.PutUint16(b[0:], 16)
	b[2], b[3] = 5, rtmIfInfo
	ne.PutUint32(b[offIfmFlags:], flags)
	ne.PutUint16(b[offIfmIndex:], index)
	return b
}

func TestMonitorClassify(t *testing.T) {
	for _, g := range []struct {
		os     goldenOS
		layout Layout
	}{{goldenDarwin, Darwin}, {goldenFreeBSD, FreeBSD}} {
		t.Run(g.os.name, func(t *testing.T) {
			own := func(i int) bool { return i == int(g.os.ifindex) }
			m := &Monitor{layout: g.layout, pid: 4242, own: own, links: map[uint16]bool{}}
			in4 := g.os.inSA
			defaultAdd := g.os.rtmsg(rtmAdd, rtfUp|rtfGateway, rtaDst|rtaGateway|rtaNetmask, 0, 0, in4("0.0.0.0"), in4("192.0.2.1"), in4("0.0.0.0"))
			ownWrite := g.os.rtmsg(rtmAdd, rtfUp|rtfGateway, rtaDst|rtaGateway|rtaNetmask, 4242, 7, in4("0.0.0.0"), in4("192.0.2.1"), in4("0.0.0.0"))
			half := g.os.rtmsg(rtmAdd, rtfUp, rtaDst|rtaGateway|rtaNetmask, 0, 0, in4("0.0.0.0"), g.os.dlSA(3, "en0"), in4("128.0.0.0"))
			host := g.os.rtmsg(rtmDelete, rtfUp|rtfHost, rtaDst|rtaGateway, 0, 0, in4("203.0.113.1"), in4("192.0.2.1"))
			v6default := g.os.rtmsg(rtmChange, rtfUp|rtfGateway, rtaDst|rtaGateway|rtaNetmask, 0, 0, g.os.in6SA("::"), g.os.in6SA("2001:db8:1::1"), g.os.in6SA("::"))
			for _, c := range []struct {
				what string
				msg  []byte
				want platform.Change
			}{
				{"default route added", defaultAdd, platform.ChangeRoute},
				{"IPv6 default route changed", v6default, platform.ChangeRoute},
				{"our own route write", ownWrite, 0},
				{"a half of a tunnel's default", half, 0},
				{"a host route", host, 0},
				{"address on en0", g.os.newaddr(3, "192.0.2.2", "255.255.255.0"), platform.ChangeAddress},
				{"address on our TUN device", g.os.newaddr(g.os.ifindex, "198.18.0.1", "255.255.255.255"), 0},
				{"link-local address", g.os.newaddr(3, "fe80::1", "ffff:ffff:ffff:ffff::"), 0},
				{"en0 up", ifinfo(3, iffUp|iffRunning), platform.ChangeLink},
				{"en0 still up", ifinfo(3, iffUp|iffRunning), 0},
				{"en0 loses carrier", ifinfo(3, iffUp), platform.ChangeLink},
				{"new interface, down", ifinfo(4, 0), 0},
				{"our TUN device up", ifinfo(g.os.ifindex, iffUp|iffRunning), 0},
				{"garbage", []byte{1, 2}, 0},
			} {
				if got := m.classify(c.msg); got != c.want {
					t.Errorf("%s: %v, want %v", c.what, got, c.want)
				}
			}
		})
	}
}

// TestMonitorReportsAndCloses runs a Monitor over a socket the test feeds
// and checks one merged report, then that Close ends the reader.
func TestMonitorReportsAndCloses(t *testing.T) {
	s := newPipeSocket()
	m := newMonitor(Darwin, 1, func(int) bool { return false }, s, MonitorOptions{Settle: 50 * time.Millisecond, MaxDelay: time.Second})
	g := goldenDarwin
	s.msgs <- ifinfo(3, iffUp|iffRunning)
	s.msgs <- g.newaddr(3, "192.0.2.2", "255.255.255.0")
	s.msgs <- g.rtmsg(rtmAdd, rtfUp|rtfGateway, rtaDst|rtaGateway|rtaNetmask, 0, 0, g.inSA("0.0.0.0"), g.inSA("192.0.2.1"), g.inSA("0.0.0.0"))
	select {
	case c := <-m.Changes():
		if want := platform.ChangeLink | platform.ChangeAddress | platform.ChangeRoute; c != want {
			t.Errorf("report %v, want %v", c, want)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("no report")
	}
	if err := m.Close(); err != nil {
		t.Fatal(err)
	}
	if _, ok := <-m.Changes(); ok {
		t.Error("Changes open after Close")
	}
}
