package linux

import (
	"fmt"

	"github.com/espressovpn/espresso/platform"
)

var _ platform.QueueDropper = (*Tunnel)(nil)

// QueueDrops implements platform.QueueDropper: the packets the TUN device
// dropped because the helper did not read them before its queue (the
// device's txqueuelen) was full. The kernel transmits into the device what
// the routes send there, so they count as its tx_dropped. The count comes
// over netlink, like every other question about the device, so that it is
// the device of the network namespace the helper works in even where
// /sys is mounted for another (ip netns exec remounts it, nsenter does
// not). The device is the connection's own from the first Set to Close.
func (t *Tunnel) QueueDrops() (uint64, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.closed {
		return 0, platform.ErrClosed
	}
	if t.dev == nil {
		return 0, fmt.Errorf("tun: no device before the first Set")
	}
	link, err := t.net.kernel.LinkByName(t.rec.Device)
	if err != nil {
		return 0, fmt.Errorf("tun %s: %w", t.rec.Device, err)
	}
	st := link.Attrs().Statistics
	if st == nil {
		return 0, fmt.Errorf("tun %s: no statistics", t.rec.Device)
	}
	return st.TxDropped, nil
}
