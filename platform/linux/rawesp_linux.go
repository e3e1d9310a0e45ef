package linux

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"sync"
	"syscall"

	"github.com/espressovpn/espresso/ipsec/socket"
	"github.com/espressovpn/espresso/platform"
	"github.com/espressovpn/espresso/platform/internal/dgram"
)

// rawBatchSize is how many packets one recvmmsg or sendmmsg moves.
const rawBatchSize = 64

// protoESP is ESP's IP protocol number (RFC 4303 §2).
const protoESP = 50

// rawESP is a socket.Transport over a raw IP socket for protocol 50: ESP
// without UDP encapsulation, for paths without NAT. Datagrams carry the ESP
// packet from the SPI on; an IPv4 raw socket delivers the IP header too,
// which ReadBatch strips.
type rawESP struct {
	conn  net.PacketConn
	batch dgram.Conn
	local netip.Addr
	is4   bool

	rmu sync.Mutex
	r   dgram.Messages

	wmu    sync.Mutex
	w      dgram.Messages
	waddrs []net.IPAddr
	wips   [][16]byte
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
	if sc, ok := pc.(syscall.Conn); ok {
		if rc, err := sc.SyscallConn(); err == nil {
			// Best effort, as for the UDP sockets.
			_ = dgram.SetBuffers(rc, dgram.SocketBuffer)
		}
	}
	return &rawESP{
		conn:   pc,
		batch:  dgram.New(pc, local.Is4()),
		local:  local,
		is4:    local.Is4(),
		r:      dgram.NewMessages(rawBatchSize),
		w:      dgram.NewMessages(rawBatchSize),
		waddrs: make([]net.IPAddr, rawBatchSize),
		wips:   make([][16]byte, rawBatchSize),
	}, nil
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
		n := min(len(msgs), len(t.r.Msgs))
		for i := range n {
			t.r.SetBuf(i, msgs[i].Buf[:cap(msgs[i].Buf)])
		}
		got, err := t.batch.ReadBatch(t.r.Msgs[:n], 0)
		// recvmmsg reports -1 when it failed before any packet.
		got = max(got, 0)
		if err != nil && got == 0 {
			return 0, err
		}
		kept := 0
		for i := range got {
			m := &t.r.Msgs[i]
			buf := t.r.Buf(i)[:m.N]
			if t.is4 {
				// The kernel hands IPv4 raw sockets the whole datagram
				// (raw(7)); the header length is in IHL (RFC 791 §3.1).
				if len(buf) < 20 || int(buf[0]&0x0f)*4 > len(buf) {
					continue
				}
				hl := int(buf[0]&0x0f) * 4
				copy(buf, buf[hl:])
				buf = buf[:len(buf)-hl]
			}
			var from netip.Addr
			if ia, ok := m.Addr.(*net.IPAddr); ok {
				from, _ = netip.AddrFromSlice(ia.IP)
				from = from.Unmap()
			}
			keep(msgs, kept, buf, netip.AddrPortFrom(from, 0))
			kept++
		}
		t.r.Release(n)
		if kept > 0 {
			return kept, nil
		}
	}
}

// WriteBatch implements socket.Transport; the kernel adds the IP header.
func (t *rawESP) WriteBatch(msgs []socket.Datagram) (int, error) {
	t.wmu.Lock()
	defer t.wmu.Unlock()
	sent, err := t.w.Write(t.batch, len(msgs), func(j, i int) {
		d := &msgs[i]
		t.w.SetBuf(j, d.Buf)
		a := d.Addr.Addr().Unmap()
		ia := &t.waddrs[j]
		ia.IP = dgram.PutIP(&t.wips[j], a, a.Is4())
		ia.Zone = a.Zone()
		t.w.Msgs[j].Addr = ia
	})
	if err != nil {
		return sent, fmt.Errorf("raw esp write: %w", err)
	}
	return sent, nil
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
