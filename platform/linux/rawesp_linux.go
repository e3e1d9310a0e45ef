package linux

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"os"
	"sync"
	"syscall"
	"unsafe"

	"github.com/espressovpn/espresso/ipsec/socket"
	"github.com/espressovpn/espresso/platform"
	"github.com/espressovpn/espresso/platform/internal/dgram"
	"golang.org/x/sys/unix"
)

// rawBatchSize is how many packets one recvmmsg or sendmmsg moves.
const rawBatchSize = 64

// protoESP is ESP's IP protocol number (RFC 4303 §2).
const protoESP = 50

// ipv4HeaderLen is the length of an IPv4 header without options
// (RFC 791 §3.1).
const ipv4HeaderLen = 20

// rawESP is a socket.Transport over a raw IP socket for protocol 50: ESP
// without UDP encapsulation, for paths without NAT. Datagrams carry the ESP
// packet from the SPI on; an IPv4 raw socket delivers the IP header too,
// which ReadBatch strips.
//
// Raw sockets have neither UDP_SEGMENT nor UDP_GRO, so every packet costs
// a trip through the system's IP stack in each direction; what is left to
// the transport is to add nothing per packet. It calls recvmmsg and sendmmsg
// itself over message headers built once, rather than through
// golang.org/x/net, which converts each source address to a net.Addr (two
// allocations a packet) and each destination from one: the addresses stay
// in sockaddr form. On reads the IPv4 header lands in a buffer of its own
// (a first iovec), so the ESP packet starts at the caller's buffer without
// being moved down.
//
// The socket stays in the runtime's poller, although there every packet
// received (EPOLLIN) and every packet sent that the next hop consumes
// (EPOLLOUT, from sock_wfree) may wake the poller's thread, wake-ups that
// over UDP the segmentation offloads spread over a batch. A blocking
// socket outside the poller halved BenchmarkTransports' CPU time per
// packet, but in the system benchmark it lowered TCP down over raw ESP by
// about a seventh: a reader woken in the system call has to get a
// processor back before it can hand on what it read.
type rawESP struct {
	conn  net.PacketConn
	rc    syscall.RawConn
	local netip.Addr
	is4   bool

	rmu sync.Mutex
	r   *mmsgs
	ip4 [][ipv4HeaderLen]byte // per read message: the IPv4 header

	wmu   sync.Mutex
	w     *mmsgs
	zone  string // the last destination zone, and its interface index
	scope uint32
}

// mmsgs are the message headers of one direction, with their iovecs and
// addresses, reused on every call so that a batch allocates nothing.
type mmsgs struct {
	trap  uintptr // SYS_RECVMMSG or SYS_SENDMMSG
	hdrs  []unix.Mmsghdr
	iovs  [][2]unix.Iovec
	addrs []unix.RawSockaddrInet6 // room for either family
	call  func(fd uintptr) bool   // m.syscall

	// The current call: how many messages it asks for, then moved, and
	// the system call's error.
	n   int
	err error
}

func newMmsgs(trap uintptr, n int) *mmsgs {
	m := &mmsgs{trap: trap, hdrs: make([]unix.Mmsghdr, n), iovs: make([][2]unix.Iovec, n), addrs: make([]unix.RawSockaddrInet6, n)}
	for i := range n {
		m.hdrs[i].Hdr.Iov = &m.iovs[i][0]
		m.hdrs[i].Hdr.Name = (*byte)(unsafe.Pointer(&m.addrs[i]))
	}
	m.call = m.syscall
	return m
}

// setIov points iovec k of message i at b.
func (m *mmsgs) setIov(i, k int, b []byte) {
	v := &m.iovs[i][k]
	v.Base = nil
	if len(b) > 0 {
		v.Base = &b[0]
	}
	v.SetLen(len(b))
}

// release drops the caller's buffers from the first n messages, so that
// the transport holds none of them between calls.
func (m *mmsgs) release(n int) {
	for i := range n {
		m.iovs[i] = [2]unix.Iovec{}
	}
}

func listenRawESP(cfg platform.RawESPConfig) (socket.Transport, error) {
	if !cfg.Local.IsValid() {
		return nil, &platform.ConfigError{Field: "raw esp address", Reason: "invalid"}
	}
	local := cfg.Local.Unmap()
	network := fmt.Sprintf("ip6:%d", protoESP)
	if local.Is4() {
		network = fmt.Sprintf("ip4:%d", protoESP)
	}
	lc := net.ListenConfig{}
	if cfg.FwMark != 0 {
		mark := cfg.FwMark
		lc.Control = func(_, _ string, c syscall.RawConn) error {
			return dgram.SetMark(c, mark)
		}
	}
	pc, err := lc.ListenPacket(context.Background(), network, local.String())
	if err != nil {
		return nil, fmt.Errorf("raw esp socket on %s: %w", local, err)
	}
	rc, err := pc.(syscall.Conn).SyscallConn()
	if err != nil {
		pc.Close()
		return nil, fmt.Errorf("raw esp socket on %s: %w", local, err)
	}
	// Best effort, as for the UDP sockets.
	_ = dgram.SetBuffers(rc, dgram.SocketBuffer)
	t := &rawESP{
		conn:  pc,
		rc:    rc,
		local: local,
		is4:   local.Is4(),
		r:     newMmsgs(unix.SYS_RECVMMSG, rawBatchSize),
		w:     newMmsgs(unix.SYS_SENDMMSG, rawBatchSize),
	}
	if t.is4 {
		t.ip4 = make([][ipv4HeaderLen]byte, rawBatchSize)
	}
	return t, nil
}

func (t *rawESP) BatchSize() int { return rawBatchSize }

func (t *rawESP) LocalAddr() netip.AddrPort { return netip.AddrPortFrom(t.local, 0) }

func (t *rawESP) Close() error { return t.conn.Close() }

// ReadBatch implements socket.Transport. Packets too short to hold their
// IPv4 header are dropped rather than returned.
func (t *rawESP) ReadBatch(msgs []socket.Datagram) (int, error) {
	t.rmu.Lock()
	defer t.rmu.Unlock()
	for {
		n := min(len(msgs), len(t.r.hdrs))
		for i := range n {
			h := &t.r.hdrs[i].Hdr
			h.Namelen = uint32(unsafe.Sizeof(t.r.addrs[i]))
			buf := msgs[i].Buf[:cap(msgs[i].Buf)]
			if t.is4 {
				t.r.setIov(i, 0, t.ip4[i][:])
				t.r.setIov(i, 1, buf)
				h.SetIovlen(2)
			} else {
				t.r.setIov(i, 0, buf)
				h.SetIovlen(1)
			}
		}
		got, err := t.r.mmsg(t.rc, n)
		t.r.release(n)
		if err != nil && got == 0 {
			return 0, err
		}
		kept := 0
		for i := range got {
			buf, ok := t.packet(i, msgs[i].Buf[:cap(msgs[i].Buf)])
			if !ok {
				continue
			}
			keep(msgs, kept, buf, netip.AddrPortFrom(t.source(i), 0))
			kept++
		}
		if kept > 0 {
			return kept, nil
		}
	}
}

// packet returns the ESP packet that read message i put in buf.
func (t *rawESP) packet(i int, buf []byte) ([]byte, bool) {
	size := int(t.r.hdrs[i].Len)
	if !t.is4 {
		return buf[:min(size, len(buf))], true
	}
	// The kernel hands IPv4 raw sockets the whole datagram (raw(7)): its
	// first 20 bytes went to the header buffer. The header's length is in
	// IHL (RFC 791 §3.1); options, rare, came into buf ahead of the packet.
	h := &t.ip4[i]
	hl := int(h[0]&0x0f) * 4
	if size < ipv4HeaderLen || hl < ipv4HeaderLen || hl > size {
		return nil, false
	}
	size = min(size-ipv4HeaderLen, len(buf))
	opts := min(hl-ipv4HeaderLen, size)
	if opts > 0 {
		copy(buf, buf[opts:size])
	}
	return buf[:size-opts], true
}

// source returns the address read message i came from.
func (t *rawESP) source(i int) netip.Addr {
	sa := &t.r.addrs[i]
	switch {
	case sa.Family == unix.AF_INET:
		in := (*unix.RawSockaddrInet4)(unsafe.Pointer(sa))
		return netip.AddrFrom4(in.Addr)
	case sa.Family == unix.AF_INET6:
		return netip.AddrFrom16(sa.Addr).Unmap()
	}
	return netip.Addr{}
}

// WriteBatch implements socket.Transport; the kernel adds the IP header.
func (t *rawESP) WriteBatch(msgs []socket.Datagram) (int, error) {
	t.wmu.Lock()
	defer t.wmu.Unlock()
	sent := 0
	for sent < len(msgs) {
		n := min(len(msgs)-sent, len(t.w.hdrs))
		for j := range n {
			t.setDest(j, msgs[sent+j].Addr.Addr())
			t.w.setIov(j, 0, msgs[sent+j].Buf)
			t.w.hdrs[j].Hdr.SetIovlen(1)
		}
		k, err := t.w.mmsg(t.rc, n)
		t.w.release(n)
		sent += k
		if err != nil {
			return sent, fmt.Errorf("raw esp write: %w", err)
		}
		if k == 0 {
			break
		}
	}
	return sent, nil
}

// setDest makes a the destination of write message j, in the socket's
// family: an IPv4-mapped address for an IPv6 socket, with the scope of its
// zone. An IPv6 address on an IPv4 socket, or one with an unknown zone,
// gets no address, which the kernel refuses for that message
// (EDESTADDRREQ).
func (t *rawESP) setDest(j int, a netip.Addr) {
	h := &t.w.hdrs[j].Hdr
	sa := &t.w.addrs[j]
	a = a.Unmap()
	switch {
	case t.is4 && a.Is4():
		in := (*unix.RawSockaddrInet4)(unsafe.Pointer(sa))
		*in = unix.RawSockaddrInet4{Family: unix.AF_INET, Addr: a.As4()}
		h.Namelen = unix.SizeofSockaddrInet4
	case t.is4:
		h.Namelen = 0
	default:
		*sa = unix.RawSockaddrInet6{Family: unix.AF_INET6, Addr: a.As16()}
		h.Namelen = unix.SizeofSockaddrInet6
		if z := a.Zone(); z != "" {
			if z != t.zone {
				// One lookup per zone change: a peer's link-local
				// address keeps its zone.
				t.zone, t.scope = z, 0
				if ifi, err := net.InterfaceByName(z); err == nil {
					t.scope = uint32(ifi.Index)
				}
			}
			sa.Scope_id = t.scope
			if t.scope == 0 {
				h.Namelen = 0
			}
		}
	}
}

// mmsg calls recvmmsg or sendmmsg, as m's trap says, on m.hdrs[:n],
// waiting in the runtime's poller while the socket has nothing to read or
// no room to write. It returns how many messages moved; an error only
// when none did.
func (m *mmsgs) mmsg(rc syscall.RawConn, n int) (int, error) {
	m.n, m.err = n, nil
	var err error
	if m.trap == unix.SYS_RECVMMSG {
		err = rc.Read(m.call)
	} else {
		err = rc.Write(m.call)
	}
	if err == nil && m.err != nil {
		err = m.err
	}
	if err != nil {
		return 0, err
	}
	return m.n, nil
}

// syscall is the function mmsg hands the runtime's poller, made once so
// that a call allocates no closure: it reports false to wait for the
// socket.
func (m *mmsgs) syscall(fd uintptr) bool {
	for {
		r, _, e := unix.Syscall6(m.trap, fd, uintptr(unsafe.Pointer(&m.hdrs[0])), uintptr(m.n), 0, 0, 0)
		switch e {
		case 0:
			m.n = int(r)
			return true
		case unix.EINTR:
			continue
		case unix.EAGAIN:
			return false
		}
		name := "sendmmsg"
		if m.trap == unix.SYS_RECVMMSG {
			name = "recvmmsg"
		}
		m.err = os.NewSyscallError(name, e)
		return true
	}
}

// keep stores the packet pkt, read into the buffer of some msgs[j] with
// j >= at, as msgs[at], so that dropped packets leave no holes. The caller
// reads each packet from the buffer it put at that index (the engine
// decrypts in its own element's buffer), so a packet that moves down is
// copied into msgs[at]'s buffer rather than the buffers being swapped; the
// copy happens only after a drop.
func keep(msgs []socket.Datagram, at int, pkt []byte, from netip.AddrPort) {
	dst := msgs[at].Buf[:cap(msgs[at].Buf)]
	if len(pkt) == 0 || &dst[0] != &pkt[0] {
		pkt = dst[:copy(dst, pkt)]
	}
	msgs[at].Buf = pkt
	msgs[at].Addr = from
}
