package linux

import (
	"github.com/espressovpn/espresso/platform"
	"github.com/espressovpn/espresso/platform/internal/dgram"
)

var _ platform.QueueDropper = (*rawESP)(nil)

// QueueDrops implements platform.QueueDropper: the ESP packets the raw
// socket's full receive buffer turned away. The kernel counts them in 32
// bits, which wrap.
func (t *rawESP) QueueDrops() (uint64, error) {
	n, err := dgram.Drops(t.rc)
	return uint64(n), err
}
