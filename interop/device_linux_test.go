package interop

import (
	"encoding/binary"
	"errors"
	"net/netip"
	"sync"
)

// chanDevice is an in-memory TUN device: packets injected are what the
// engine reads; what it writes arrives on out.
type chanDevice struct {
	in, out chan []byte
	done    chan struct{}
	once    sync.Once
}

func newChanDevice() *chanDevice {
	return &chanDevice{in: make(chan []byte, 64), out: make(chan []byte, 64), done: make(chan struct{})}
}

var errDeviceClosed = errors.New("device closed")

func (d *chanDevice) Read(bufs [][]byte, sizes []int, offset int) (int, error) {
	select {
	case p := <-d.in:
		sizes[0] = copy(bufs[0][offset:], p)
		return 1, nil
	case <-d.done:
		return 0, errDeviceClosed
	}
}

func (d *chanDevice) Write(bufs [][]byte, offset int) (int, error) {
	for _, b := range bufs {
		select {
		case d.out <- append([]byte(nil), b[offset:]...):
		default: // a test that stopped reading loses packets, as a TUN would
		}
	}
	return len(bufs), nil
}

func (d *chanDevice) BatchSize() int { return 1 }
func (d *chanDevice) Close()         { d.once.Do(func() { close(d.done) }) }

// echoRequest builds an ICMP echo request (RFC 792) with valid checksums.
func echoRequest(src, dst netip.Addr, id, seq uint16) []byte {
	p := make([]byte, 20+8+32)
	p[0], p[8], p[9] = 0x45, 64, 1
	binary.BigEndian.PutUint16(p[2:], uint16(len(p)))
	s, d := src.As4(), dst.As4()
	copy(p[12:], s[:])
	copy(p[16:], d[:])
	binary.BigEndian.PutUint16(p[10:], checksum(p[:20]))
	icmp := p[20:]
	icmp[0] = 8
	binary.BigEndian.PutUint16(icmp[4:], id)
	binary.BigEndian.PutUint16(icmp[6:], seq)
	for i := 8; i < len(icmp); i++ {
		icmp[i] = byte(i)
	}
	binary.BigEndian.PutUint16(icmp[2:], checksum(icmp))
	return p
}

func checksum(b []byte) uint16 {
	var s uint32
	for i := 0; i+1 < len(b); i += 2 {
		s += uint32(binary.BigEndian.Uint16(b[i:]))
	}
	if len(b)%2 == 1 {
		s += uint32(b[len(b)-1]) << 8
	}
	for s > 0xffff {
		s = s&0xffff + s>>16
	}
	return ^uint16(s)
}

// isEchoReply reports whether p is the echo reply to (id, seq) from src.
func isEchoReply(p []byte, src netip.Addr, id, seq uint16) bool {
	if len(p) < 28 || p[0]>>4 != 4 || p[9] != 1 {
		return false
	}
	ihl := int(p[0]&0x0f) * 4
	from, _ := netip.AddrFromSlice(p[12:16])
	icmp := p[ihl:]
	return from == src && len(icmp) >= 8 && icmp[0] == 0 &&
		binary.BigEndian.Uint16(icmp[4:]) == id && binary.BigEndian.Uint16(icmp[6:]) == seq
}
