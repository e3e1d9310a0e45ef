package linux

import (
	"syscall"

	"github.com/espressovpn/espresso/platform"
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
	return platform.SocketDrops(sc)
}
