package linux

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"sync"
	"syscall"

	"github.com/espressovpn/espresso/platform"
	"golang.org/x/net/ipv4"
	"golang.org/x/net/ipv6"
	"golang.org/x/sys/unix"
)

// rawBatchSize is how many packets one recvmmsg or sendmmsg moves.
const rawBatchSize = 64

// protoESP is ESP's IP protocol number (RFC 4303 §2).
const protoESP = 50

// batchConn is the batched I/O of ipv4.PacketConn and ipv6.PacketConn.
type batchConn interface {
	ReadBatch(ms []ipv4.Message, flags int) (int, error)
	WriteBatch(ms []ipv4.Message, flags int) (int, error)
}

type ipv6Batch struct{ c *ipv6.PacketConn }

func (b ipv6Batch) ReadBatch(ms []ipv4.Message, flags int) (int, error) {
	return b.c.ReadBatch(ms, flags)
}

func (b ipv6Batch) WriteBatch(ms []ipv4.Message, flags int) (int, error) {
	return b.c.WriteBatch(ms, flags)
}

// rawESP is a platform.Transport over a raw IP socket for protocol 50: ESP
// without UDP encapsulation, for paths without NAT. Datagrams carry the ESP
// packet from the SPI on; an IPv4 raw socket delivers the IP header too,
// which ReadBatch strips.
type rawESP struct {
	conn  net.PacketConn
	batch batchConn
	local netip.Addr
	is4   bool

	rmu   sync.Mutex
	rmsgs []ipv4.Message
	rbufs [][1][]byte

	wmu    sync.Mutex
	wmsgs  []ipv4.Message
	wbufs  [][1][]byte
	waddrs []net.IPAddr
	wips   [][16]byte
}

func listenRawESP(cfg platform.RawESPConfig) (platform.Transport, error) {
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
		mark := int(cfg.FwMark)
		lc.Control = func(_, _ string, c syscall.RawConn) error {
			var serr error
			if err := c.Control(func(fd uintptr) {
				serr = unix.SetsockoptInt(int(fd), unix.SOL_SOCKET, unix.SO_MARK, mark)
			}); err != nil {
				return err
			}
			return serr
		}
	}
	pc, err := lc.ListenPacket(context.Background(), network, local.String())
	if err != nil {
		return nil, fmt.Errorf("raw esp socket on %s: %w", local, err)
	}
	t := &rawESP{conn: pc, local: local, is4: local.Is4()}
	if t.is4 {
		t.batch = ipv4.NewPacketConn(pc)
	} else {
		t.batch = ipv6Batch{ipv6.NewPacketConn(pc)}
	}
	t.rmsgs = make([]ipv4.Message, rawBatchSize)
	t.rbufs = make([][1][]byte, rawBatchSize)
	t.wmsgs = make([]ipv4.Message, rawBatchSize)
	t.wbufs = make([][1][]byte, rawBatchSize)
	t.waddrs = make([]net.IPAddr, rawBatchSize)
	t.wips = make([][16]byte, rawBatchSize)
	for i := range rawBatchSize {
		t.rmsgs[i].Buffers = t.rbufs[i][:]
		t.wmsgs[i].Buffers = t.wbufs[i][:]
	}
	return t, nil
}

func (t *rawESP) BatchSize() int { return rawBatchSize }

func (t *rawESP) LocalAddr() netip.AddrPort { return netip.AddrPortFrom(t.local, 0) }

func (t *rawESP) Close() error { return t.conn.Close() }

// ReadBatch implements platform.Transport. Packets too short to hold their
// IPv4 header are dropped rather than returned.
func (t *rawESP) ReadBatch(msgs []platform.Datagram) (int, error) {
	t.rmu.Lock()
	defer t.rmu.Unlock()
	for {
		n := min(len(msgs), len(t.rmsgs))
		for i := range n {
			t.rbufs[i][0] = msgs[i].Buf[:cap(msgs[i].Buf)]
		}
		got, err := t.batch.ReadBatch(t.rmsgs[:n], 0)
		if err != nil && got == 0 {
			return 0, err
		}
		kept := 0
		for i := range got {
			m := &t.rmsgs[i]
			buf := t.rbufs[i][0][:m.N]
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
			// Compact in place, swapping buffers so that dropped packets
			// leave no holes and every Datagram keeps a buffer.
			if kept != i {
				msgs[i].Buf = msgs[kept].Buf
			}
			msgs[kept].Buf = buf
			msgs[kept].Addr = netip.AddrPortFrom(from, 0)
			kept++
		}
		for i := range n {
			t.rbufs[i][0] = nil
		}
		if kept > 0 {
			return kept, nil
		}
	}
}

// WriteBatch implements platform.Transport; the kernel adds the IP header.
func (t *rawESP) WriteBatch(msgs []platform.Datagram) (int, error) {
	t.wmu.Lock()
	defer t.wmu.Unlock()
	sent := 0
	for sent < len(msgs) {
		n := min(len(msgs)-sent, len(t.wmsgs))
		for i := range n {
			d := &msgs[sent+i]
			t.wbufs[i][0] = d.Buf
			a := d.Addr.Addr().Unmap()
			ia := &t.waddrs[i]
			if a.Is4() {
				b := a.As4()
				copy(t.wips[i][:4], b[:])
				ia.IP = t.wips[i][:4]
			} else {
				t.wips[i] = a.As16()
				ia.IP = t.wips[i][:16]
			}
			ia.Zone = a.Zone()
			t.wmsgs[i].Addr = ia
		}
		k, err := t.batch.WriteBatch(t.wmsgs[:n], 0)
		for i := range n {
			t.wbufs[i][0] = nil
		}
		// sendmmsg reports -1 when it sent nothing at all.
		k = max(k, 0)
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
