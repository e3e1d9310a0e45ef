package platform

import (
	"errors"
	"syscall"

	"github.com/espressovpn/espresso/platform/internal/dgram"
)

// QueueDropper is implemented by the sockets and tunnels whose kernel may
// drop packets before the helper reads them: a socket whose receive
// buffer is full, a TUN device whose queue towards the helper is full.
// The count is read when asked, at no cost per packet.
type QueueDropper interface {
	// QueueDrops returns how many packets the kernel dropped at the
	// queue the helper reads, since the socket or device was made. It
	// returns ErrUnsupported where the OS does not tell (macOS, FreeBSD),
	// and an error once the socket or device is closed.
	QueueDrops() (uint64, error)
}

// socketDrops returns what the kernel dropped at the socket behind c: its
// receive buffer was full (or, rarely, a datagram failed its checksum).
// Linux counts it in 32 bits, which wrap.
func socketDrops(c syscall.Conn) (uint64, error) {
	rc, err := c.SyscallConn()
	if err != nil {
		return 0, err
	}
	n, err := dgram.Drops(rc)
	if errors.Is(err, errors.ErrUnsupported) {
		return 0, ErrUnsupported
	}
	return uint64(n), err
}

var _ QueueDropper = (*udpTransport)(nil)

// QueueDrops implements QueueDropper: the datagrams the socket's full
// receive buffer turned away; a run the kernel coalesced for the
// socket's GRO counts once.
func (t *udpTransport) QueueDrops() (uint64, error) { return socketDrops(t.conn) }
