package linux

import (
	"testing"
	"time"

	"github.com/espressovpn/espresso/platform"
	"github.com/espressovpn/espresso/platform/linux/testnet"
)

// nextChange waits up to d for a report; zero when none came.
func nextChange(m *Monitor, d time.Duration) platform.Change {
	select {
	case c := <-m.Changes():
		return c
	case <-time.After(d):
		return 0
	}
}

// TestSystemMonitor watches a fresh namespace: a new uplink (link, address
// and default route within one burst) is one report; the helper's own TUN
// device, addresses and routing table are none; Close ends the reports.
func TestSystemMonitor(t *testing.T) {
	testnet.RequireRoot(t)
	ns := testnet.NewNamespace(t, "mon")
	var m *Monitor
	err := ns.Do(func() error {
		n, err := New(Options{StateDir: t.TempDir()})
		if err != nil {
			return err
		}
		m, err = n.Monitor(MonitorOptions{Settle: 200 * time.Millisecond, MaxDelay: time.Second})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()

	// veth pairs stand for real links: a dummy device may not exist.
	ns.MustRun("ip", "link", "add", "uplink0", "type", "veth", "peer", "name", "uplink1")
	ns.MustRun("ip", "link", "set", "uplink1", "up")
	ns.MustRun("ip", "link", "set", "uplink0", "up")
	ns.MustRun("ip", "addr", "add", "192.0.2.2/24", "dev", "uplink0")
	ns.MustRun("ip", "route", "add", "default", "via", "192.0.2.1")
	c := nextChange(m, 5*time.Second)
	if want := platform.ChangeLink | platform.ChangeAddress | platform.ChangeRoute; c != want {
		// The burst may have been cut in two by a slow machine; the
		// second report must then carry the rest.
		c |= nextChange(m, 2*time.Second)
		if c != want {
			t.Fatalf("new uplink reported as %v, want %v", c, want)
		}
	}

	ns.MustRun("ip", "link", "add", "espresso7", "type", "veth", "peer", "name", "espresso8")
	ns.MustRun("ip", "link", "set", "espresso8", "up")
	ns.MustRun("ip", "link", "set", "espresso7", "up")
	ns.MustRun("ip", "addr", "add", "198.18.0.1/32", "dev", "espresso7")
	ns.MustRun("ip", "route", "add", "198.51.100.0/24", "dev", "espresso7", "table", "220")
	ns.MustRun("ip", "route", "add", "unreachable", "default", "table", "220", "metric", "65535")
	if c := nextChange(m, time.Second); c != 0 {
		t.Errorf("the helper's own configuration reported as %v", c)
	}

	ns.MustRun("ip", "route", "del", "default", "via", "192.0.2.1")
	if c := nextChange(m, 5*time.Second); c != platform.ChangeRoute {
		t.Errorf("default route removal reported as %v", c)
	}

	m.Close()
	select {
	case _, ok := <-m.Changes():
		if ok {
			t.Error("report after Close")
		}
	case <-time.After(5 * time.Second):
		t.Error("Changes not closed by Close")
	}
}
