package platform

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"sync"
	"syscall"

	"github.com/espressovpn/espresso/ipsec/socket"
	"github.com/espressovpn/espresso/platform/internal/dgram"
)

// udpTransport is a socket.Transport over one UDP socket. Reads and
// writes each reuse their own message arrays, so concurrent callers of
// the same direction are serialised.
type udpTransport struct {
	conn  *net.UDPConn
	batch dgram.Conn
	local netip.AddrPort
	is4   bool

	rmu sync.Mutex
	r   dgram.Messages

	wmu    sync.Mutex
	w      dgram.Messages
	waddrs []net.UDPAddr
	wips   [][16]byte

	// recverr is set when the socket queues ICMP errors
	// (UDPConfig.ReportUnreachable); bounced holds those read from the
	// queue and not yet returned by ReadBatch.
	recverr bool
	bmu     sync.Mutex
	bounced []socket.UnreachableError

	// segment is set while writes gather runs of datagrams into
	// UDP_SEGMENT messages (under wmu); gro when the socket reads
	// coalesced runs (udp_offload.go).
	segment bool
	sw      segWriter
	gro     bool
	gr      groReader
}

// maxBounced bounds the ICMP errors kept for ReadBatch, and how many one
// drain of the error queue reads: a flood of ICMP costs drops, not memory.
const maxBounced = 16

// ListenUDP opens the UDP socket cfg describes. Implementations of Network
// use it for ListenUDP; it is portable, batching where the OS can.
func ListenUDP(cfg UDPConfig) (socket.Transport, error) {
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
		conn:   conn,
		batch:  dgram.New(conn, is4),
		local:  conn.LocalAddr().(*net.UDPAddr).AddrPort(),
		is4:    is4,
		r:      dgram.NewMessages(udpBatchSize),
		w:      dgram.NewMessages(udpBatchSize),
		waddrs: make([]net.UDPAddr, udpBatchSize),
		wips:   make([][16]byte, udpBatchSize),
	}
	if is4 {
		t.local = netip.AddrPortFrom(t.local.Addr().Unmap(), t.local.Port())
	}
	if rc, err := conn.SyscallConn(); err == nil {
		// Larger buffers only lose fewer datagrams in a burst; the
		// socket works with whatever size the system grants.
		_ = dgram.SetBuffers(rc, dgram.SocketBuffer)
	}
	if rc, err := conn.SyscallConn(); err == nil {
		if t.segment = dgram.CanSegment(rc); t.segment {
			t.sw = newSegWriter(udpBatchSize)
		}
		if t.gro = dgram.EnableGRO(rc) == nil; t.gro {
			t.gr = newGROReader()
		}
	}
	if cfg.ReportUnreachable {
		rc, err := conn.SyscallConn()
		if err == nil {
			err = dgram.EnableRecvErr(rc, is4)
		}
		// Where the OS cannot tell (the BSDs), the socket works the same
		// without the reports.
		t.recverr = err == nil
	}
	return t, nil
}

func (t *udpTransport) BatchSize() int { return len(t.r.Msgs) }

func (t *udpTransport) LocalAddr() netip.AddrPort { return t.local }

func (t *udpTransport) Close() error { return t.conn.Close() }

func (t *udpTransport) ReadBatch(msgs []socket.Datagram) (int, error) {
	t.rmu.Lock()
	defer t.rmu.Unlock()
	if u := t.popBounced(); u != nil {
		return 0, u
	}
	if t.gro {
		return t.readCoalesced(msgs)
	}
	n := min(len(msgs), len(t.r.Msgs))
	for i := range n {
		t.r.SetBuf(i, msgs[i].Buf[:cap(msgs[i].Buf)])
		t.r.Msgs[i].N = 0
		t.r.Msgs[i].Addr = nil
	}
	got, err := t.batch.ReadBatch(t.r.Msgs[:n], 0)
	// recvmmsg reports -1 when it failed before any datagram.
	got = max(got, 0)
	for i := range got {
		m := &t.r.Msgs[i]
		msgs[i].Buf = msgs[i].Buf[:m.N]
		msgs[i].Addr = netip.AddrPort{}
		if ua, ok := m.Addr.(*net.UDPAddr); ok {
			ap := ua.AddrPort()
			msgs[i].Addr = netip.AddrPortFrom(ap.Addr().Unmap(), ap.Port())
		}
	}
	t.r.Release(n)
	if err != nil && got == 0 {
		return 0, t.readFailed(err)
	}
	return got, nil
}

// readCoalesced is ReadBatch on a socket with UDP_GRO: the datagrams of the
// last read go first, then a new read.
func (t *udpTransport) readCoalesced(msgs []socket.Datagram) (int, error) {
	if len(msgs) == 0 {
		return 0, nil
	}
	if !t.gr.pending() {
		got, err := t.gr.read(t.batch)
		if err != nil && got == 0 {
			return 0, t.readFailed(err)
		}
	}
	return t.gr.split(msgs), nil
}

// readFailed returns the error for a read that failed before any datagram.
func (t *udpTransport) readFailed(err error) error {
	if t.recverr && dgram.IsICMPErrno(err) {
		// The errno only says an ICMP error is queued; the queue says
		// for which destination.
		t.drainBounced()
		if u := t.popBounced(); u != nil {
			return u
		}
	}
	return err
}

// drainBounced moves the destination unreachables of the socket's error
// queue to bounced; the queue's other errors (packet too big, time
// exceeded) are dropped.
func (t *udpTransport) drainBounced() {
	rc, err := t.conn.SyscallConn()
	if err != nil {
		return
	}
	_ = dgram.DrainErrQueue(rc, maxBounced, func(dest netip.AddrPort, e dgram.ExtendedErr) {
		var kind socket.UnreachableKind
		switch e.Unreachable() {
		case dgram.PortUnreachable:
			kind = socket.PortUnreachable
		case dgram.HostUnreachable:
			kind = socket.HostUnreachable
		default:
			return
		}
		t.bmu.Lock()
		defer t.bmu.Unlock()
		if len(t.bounced) < maxBounced {
			t.bounced = append(t.bounced, socket.UnreachableError{Dest: dest, From: e.Offender.Unmap(), Kind: kind})
		}
	})
}

// popBounced returns the oldest ICMP error not yet returned, nil if none.
func (t *udpTransport) popBounced() *socket.UnreachableError {
	if !t.recverr {
		return nil
	}
	t.bmu.Lock()
	defer t.bmu.Unlock()
	if len(t.bounced) == 0 {
		return nil
	}
	u := t.bounced[0]
	t.bounced = append(t.bounced[:0], t.bounced[1:]...)
	return &u
}

// errWrongFamily refuses a destination the socket's address family cannot
// reach.
var errWrongFamily = errors.New("destination is not of the socket's address family")

// sendable is how many datagrams from the start of msgs the socket can
// address: an IPv4 socket cannot reach an IPv6 destination, and no socket
// an invalid one.
func (t *udpTransport) sendable(msgs []socket.Datagram) int {
	for i := range msgs {
		a := msgs[i].Addr.Addr()
		if !a.IsValid() || t.is4 && !a.Unmap().Is4() {
			return i
		}
	}
	return len(msgs)
}

func (t *udpTransport) WriteBatch(msgs []socket.Datagram) (int, error) {
	t.wmu.Lock()
	defer t.wmu.Unlock()
	if n := t.sendable(msgs); n < len(msgs) {
		sent, err := t.write(msgs[:n])
		if err == nil {
			err = fmt.Errorf("udp write to %s: %w", msgs[n].Addr, errWrongFamily)
		}
		return sent, err
	}
	return t.write(msgs)
}

// write sends msgs, whose destinations the socket can all address. A
// queued ICMP error fails the next write once with its errno although
// nothing is wrong with this one: the error is moved to bounced, for
// ReadBatch to report, and the rest of msgs sent again.
func (t *udpTransport) write(msgs []socket.Datagram) (int, error) {
	sent, err := t.writeOnce(msgs)
	if err != nil && t.recverr && dgram.IsICMPErrno(err) {
		t.drainBounced()
		var more int
		more, err = t.writeOnce(msgs[sent:])
		sent += more
	}
	if err != nil {
		return sent, fmt.Errorf("udp write to %s: %w", msgs[min(sent, len(msgs)-1)].Addr, err)
	}
	return sent, nil
}

// writeOnce sends msgs with sendmmsg, runs of them in UDP_SEGMENT
// messages where the socket can.
func (t *udpTransport) writeOnce(msgs []socket.Datagram) (int, error) {
	sent := 0
	if t.segment {
		n, plain, err := t.writeSegmented(msgs)
		if !plain {
			return n, err
		}
		sent, msgs = n, msgs[n:]
	}
	n, err := t.w.Write(t.batch, len(msgs), func(j, i int) {
		d := &msgs[i]
		t.w.SetBuf(j, d.Buf)
		t.w.Msgs[j].Addr = t.udpAddr(j, d.Addr)
	})
	return sent + n, err
}
