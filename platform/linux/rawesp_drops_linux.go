package linux

import (
	"syscall"

	"github.com/espressovpn/espresso/platform"
	"github.com/espressovpn/espresso/platform/internal/dgram"
)

var _ platform.QueueDropper = (*rawESP)(nil)

// QueueDrops implements platform.QueueDropper: the ESP packets the raw
// socket's full receive buffer turned away. The kernel counts them in 32
// bits, which wrap.
func (t *rawESP) QueueDrops() (uint64, error) {
	sc, ok := t.conn.(syscall.Conn)
	if !ok {
		return 0, platform.ErrUnsupported
	}
	rc, err := sc.SyscallConn()
	if err != nil {
		return 0, err
	}
	n, err := dgram.Drops(rc)
	return uint64(n), err
}
