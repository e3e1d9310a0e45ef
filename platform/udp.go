package platform

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"sync"
	"syscall"

	"golang.org/x/net/ipv4"
	"golang.org/x/net/ipv6"
)

// batchConn is what ipv4.PacketConn and ipv6.PacketConn have in common:
// batched I/O through recvmmsg and sendmmsg on Linux, one datagram per call
// elsewhere.
type batchConn interface {
	ReadBatch(ms []ipv4.Message, flags int) (int, error)
	WriteBatch(ms []ipv4.Message, flags int) (int, error)
}

// udpTransport is a Transport over one UDP socket. Reads and writes each
// reuse their own message arrays, so concurrent callers of the same
// direction are serialised.
type udpTransport struct {
	conn  *net.UDPConn
	batch batchConn
	local netip.AddrPort
	is4   bool

	rmu   sync.Mutex
	rmsgs []ipv4.Message
	rbufs [][1][]byte

	wmu    sync.Mutex
	wmsgs  []ipv4.Message
	wbufs  [][1][]byte
	waddrs []net.UDPAddr
	wips   [][16]byte
}

// ListenUDP opens the UDP socket cfg describes. Implementations of Network
// use it for ListenUDP; it is portable, batching where the OS can.
func ListenUDP(cfg UDPConfig) (Transport, error) {
	if !cfg.Addr.IsValid() {
		return nil, &ConfigError{Field: "udp address", Reason: "invalid"}
	}
	network := "udp6"
	is4 := cfg.Addr.Addr().Unmap().Is4()
	if is4 {
		network = "udp4"
		cfg.Addr = netip.AddrPortFrom(cfg.Addr.Addr().Unmap(), cfg.Addr.Port())
	}
	lc := net.ListenConfig{}
	if cfg.FwMark != 0 {
		mark := cfg.FwMark
		lc.Control = func(_, _ string, c syscall.RawConn) error {
			return setMark(c, mark)
		}
	}
	pc, err := lc.ListenPacket(context.Background(), network, cfg.Addr.String())
	if err != nil {
		return nil, fmt.Errorf("listen udp %s: %w", cfg.Addr, err)
	}
	conn := pc.(*net.UDPConn)
	t := &udpTransport{
		conn:  conn,
		local: conn.LocalAddr().(*net.UDPAddr).AddrPort(),
		is4:   is4,
	}
	if is4 {
		t.batch = ipv4.NewPacketConn(conn)
		t.local = netip.AddrPortFrom(t.local.Addr().Unmap(), t.local.Port())
	} else {
		t.batch = ipv6Batch{ipv6.NewPacketConn(conn)}
	}
	n := udpBatchSize
	t.rmsgs = make([]ipv4.Message, n)
	t.rbufs = make([][1][]byte, n)
	t.wmsgs = make([]ipv4.Message, n)
	t.wbufs = make([][1][]byte, n)
	t.waddrs = make([]net.UDPAddr, n)
	t.wips = make([][16]byte, n)
	for i := range n {
		t.rmsgs[i].Buffers = t.rbufs[i][:]
		t.wmsgs[i].Buffers = t.wbufs[i][:]
	}
	return t, nil
}

// ipv6Batch adapts ipv6.PacketConn, whose Message is the same type as
// ipv4's, to batchConn.
type ipv6Batch struct{ c *ipv6.PacketConn }

func (b ipv6Batch) ReadBatch(ms []ipv4.Message, flags int) (int, error) {
	return b.c.ReadBatch(ms, flags)
}

func (b ipv6Batch) WriteBatch(ms []ipv4.Message, flags int) (int, error) {
	return b.c.WriteBatch(ms, flags)
}

func (t *udpTransport) BatchSize() int { return len(t.rmsgs) }

func (t *udpTransport) LocalAddr() netip.AddrPort { return t.local }

func (t *udpTransport) Close() error { return t.conn.Close() }

func (t *udpTransport) ReadBatch(msgs []Datagram) (int, error) {
	t.rmu.Lock()
	defer t.rmu.Unlock()
	n := min(len(msgs), len(t.rmsgs))
	for i := range n {
		t.rbufs[i][0] = msgs[i].Buf[:cap(msgs[i].Buf)]
		t.rmsgs[i].N = 0
		t.rmsgs[i].Addr = nil
	}
	got, err := t.batch.ReadBatch(t.rmsgs[:n], 0)
	for i := range got {
		m := &t.rmsgs[i]
		msgs[i].Buf = msgs[i].Buf[:m.N]
		msgs[i].Addr = netip.AddrPort{}
		if ua, ok := m.Addr.(*net.UDPAddr); ok {
			ap := ua.AddrPort()
			msgs[i].Addr = netip.AddrPortFrom(ap.Addr().Unmap(), ap.Port())
		}
	}
	for i := range n {
		t.rbufs[i][0] = nil
	}
	if err != nil && got == 0 {
		return 0, err
	}
	return got, nil
}

func (t *udpTransport) WriteBatch(msgs []Datagram) (int, error) {
	t.wmu.Lock()
	defer t.wmu.Unlock()
	sent := 0
	for sent < len(msgs) {
		n := min(len(msgs)-sent, len(t.wmsgs))
		for i := range n {
			d := &msgs[sent+i]
			t.wbufs[i][0] = d.Buf
			ua := &t.waddrs[i]
			a := d.Addr.Addr()
			if t.is4 {
				a = a.Unmap()
				b := a.As4()
				copy(t.wips[i][:4], b[:])
				ua.IP = t.wips[i][:4]
			} else {
				t.wips[i] = a.As16()
				ua.IP = t.wips[i][:16]
			}
			ua.Port = int(d.Addr.Port())
			ua.Zone = a.Zone()
			t.wmsgs[i].Addr = ua
		}
		k, err := t.batch.WriteBatch(t.wmsgs[:n], 0)
		for i := range n {
			t.wbufs[i][0] = nil
		}
		// sendmmsg reports -1 when it sent nothing at all.
		k = max(k, 0)
		sent += k
		if err != nil {
			return sent, fmt.Errorf("udp write to %s: %w", msgs[min(sent, len(msgs)-1)].Addr, err)
		}
		if k == 0 {
			break
		}
	}
	return sent, nil
}
