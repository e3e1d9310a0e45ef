package linux

import (
	"net/netip"
	"testing"

	"github.com/espressovpn/espresso/platform"
	"github.com/vishvananda/netlink"
)

// statsKernel answers LinkByName with the device statistics netlink
// carries (IFLA_STATS64); the fake kernel has none.
type statsKernel struct {
	*fakeKernel
	stats *netlink.LinkStatistics
}

func (k *statsKernel) LinkByName(name string) (netlink.Link, error) {
	l, err := k.fakeKernel.LinkByName(name)
	if err != nil {
		return nil, err
	}
	l.Attrs().Statistics = k.stats
	return l, nil
}

func TestTunnelQueueDrops(t *testing.T) {
	fk := newFakeKernel()
	k := &statsKernel{fakeKernel: fk}
	n, err := newNetwork(Options{StateDir: t.TempDir(), DNS: DNSFile}, k, fk.factory)
	if err != nil {
		t.Fatal(err)
	}
	tun, err := n.Open("work")
	if err != nil {
		t.Fatal(err)
	}
	d := tun.(platform.QueueDropper)
	if _, err := d.QueueDrops(); err == nil {
		t.Error("QueueDrops before the device exists: no error")
	}
	if err := tun.Set(&platform.Config{VirtualIPs: []netip.Prefix{netip.MustParsePrefix("198.18.0.1/32")}}); err != nil {
		t.Fatal(err)
	}
	if _, err := d.QueueDrops(); err == nil {
		t.Error("QueueDrops without statistics: no error")
	}
	// Only the transmit side counts: the kernel sends into the device
	// what the helper is to read. The receive side's drops are the
	// helper's writes the kernel refused.
	k.stats = &netlink.LinkStatistics{TxDropped: 1501, RxDropped: 7, TxPackets: 500}
	if got, err := d.QueueDrops(); got != 1501 || err != nil {
		t.Errorf("QueueDrops = %d, %v; want 1501", got, err)
	}
	if err := tun.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := d.QueueDrops(); err == nil {
		t.Error("QueueDrops after Close: no error")
	}
}
