package platformtest

import (
	"errors"
	"net/netip"
	"slices"
	"testing"

	"github.com/espressovpn/espresso/platform"
)

func pfx(s string) netip.Prefix { return netip.MustParsePrefix(s) }

func fullTunnel() *platform.Config {
	return &platform.Config{
		VirtualIPs:      []netip.Prefix{pfx("10.3.0.1/32"), pfx("2001:db8:3::1/128")},
		RemoteSelectors: []netip.Prefix{pfx("198.51.100.0/24")},
		Peer:            netip.MustParseAddr("192.0.2.1"),
	}
}

func TestRecordsInOrderAndCleansUp(t *testing.T) {
	n := NewNetwork()
	tun, err := n.Open("work")
	if err != nil {
		t.Fatal(err)
	}
	if err := tun.Set(fullTunnel()); err != nil {
		t.Fatal(err)
	}
	got := n.Installed()["work"]
	if got.MTU != platform.DefaultMTU || len(got.VirtualIPs) != 2 {
		t.Fatalf("installed config %+v", got)
	}
	links := tun.Links()
	if len(links) != 1 || len(links[0].Addrs) != 2 {
		t.Fatalf("shared device expected, got %+v", links)
	}
	if err := tun.Close(); err != nil {
		t.Fatal(err)
	}
	if !links[0].Device.(*Device).Closed() {
		t.Fatal("device still open after Close")
	}
	if len(n.Installed()) != 0 {
		t.Fatal("state left after Close")
	}
	if want := []string{OpOpen, OpSet, OpClose}; !slices.Equal(n.Kinds(), want) {
		t.Fatalf("ops %v, want %v", n.Kinds(), want)
	}
}

func TestPerVIPDevices(t *testing.T) {
	n := NewNetwork()
	n.PerVIPDevices = true
	tun, _ := n.Open("work")
	onDemand := fullTunnel()
	onDemand.VirtualIPs = nil
	if err := tun.Set(onDemand); err != nil {
		t.Fatal(err)
	}
	if l := tun.Links(); len(l) != 1 || len(l[0].Addrs) != 0 {
		t.Fatalf("on-demand tunnel wants one bare device, got %+v", l)
	}
	if err := tun.Set(fullTunnel()); err != nil {
		t.Fatal(err)
	}
	links := tun.Links()
	if len(links) != 2 {
		t.Fatalf("two virtual IPs want two devices, got %d", len(links))
	}
	one := fullTunnel()
	one.VirtualIPs = one.VirtualIPs[:1]
	if err := tun.Set(one); err != nil {
		t.Fatal(err)
	}
	if l := tun.Links(); len(l) != 1 || l[0].Addrs[0] != one.VirtualIPs[0] {
		t.Fatalf("after dropping the IPv6 address: %+v", l)
	}
	if !links[1].Device.(*Device).Closed() {
		t.Fatal("device of the dropped virtual IP still open")
	}
}

func TestFailAndRefuse(t *testing.T) {
	n := NewNetwork()
	boom := errors.New("boom")
	n.Fail(OpSet, boom)
	tun, _ := n.Open("work")
	if err := tun.Set(fullTunnel()); !errors.Is(err, boom) {
		t.Fatalf("Set = %v, want injected failure", err)
	}
	if len(n.Installed()) != 0 {
		t.Fatal("failed Set installed state")
	}
	n.Fail(OpSet, nil)
	bad := fullTunnel()
	bad.RemoteSelectors = []netip.Prefix{pfx("192.0.2.1/32")}
	var pe *platform.PeerSelectorError
	if err := tun.Set(bad); !errors.As(err, &pe) {
		t.Fatalf("Set = %v, want PeerSelectorError", err)
	}
}

func TestCrashThenRecover(t *testing.T) {
	n := NewNetwork()
	tun, _ := n.Open("work")
	if err := tun.Set(fullTunnel()); err != nil {
		t.Fatal(err)
	}
	n.Crash()
	if len(n.Installed()) != 1 {
		t.Fatal("crash should leave the installed state behind")
	}
	if err := n.Recover(); err != nil {
		t.Fatal(err)
	}
	if len(n.Installed()) != 0 {
		t.Fatal("Recover left state behind")
	}
	if _, err := n.Open("work"); err != nil {
		t.Fatalf("reopen after recover: %v", err)
	}
}

func TestDevice(t *testing.T) {
	d := NewDevice("fake0")
	d.Inject([]byte{0x45, 1})
	d.Inject([]byte{0x45, 2})
	bufs := [][]byte{make([]byte, 64), make([]byte, 64), make([]byte, 64)}
	sizes := make([]int, 3)
	k, err := d.Read(bufs, sizes, platform.DeviceOffset)
	if err != nil || k != 2 || sizes[1] != 2 || bufs[1][platform.DeviceOffset+1] != 2 {
		t.Fatalf("Read = %d, %v, sizes %v", k, err, sizes)
	}
	d.Close()
	if _, err := d.Read(bufs, sizes, 0); !errors.Is(err, platform.ErrClosed) {
		t.Fatalf("Read after Close = %v", err)
	}
}

func TestKillSwitchOutlivesCrash(t *testing.T) {
	k := NewKillSwitch()
	b := &platform.BlockConfig{Protected: []netip.Prefix{pfx("198.51.100.7/24")}}
	if err := k.Engage("work", b); err != nil {
		t.Fatal(err)
	}
	if err := k.Engage("bad", &platform.BlockConfig{}); err == nil {
		t.Fatal("a block protecting nothing was accepted")
	}
	if got := k.Blocks()["work"]; got.Protected[0] != pfx("198.51.100.0/24") {
		t.Fatalf("block %+v", got)
	}
	if names, _ := k.Engaged(); !slices.Equal(names, []string{"work"}) {
		t.Fatalf("engaged %v", names)
	}
	k.Release("work")
	if names, _ := k.Engaged(); len(names) != 0 {
		t.Fatalf("engaged after release: %v", names)
	}
	k.Fail(errors.New("injected"))
	if err := k.Engage("work", b); err == nil {
		t.Fatal("Fail ignored")
	}
	if want := []string{"engage work down", "engage bad down", "release work", "engage work down"}; !slices.Equal(k.Calls(), want) {
		t.Fatalf("calls %v", k.Calls())
	}
}

func TestMonitorTrigger(t *testing.T) {
	m := NewMonitor()
	m.Trigger(platform.ChangeRoute)
	if c := <-m.Changes(); c != platform.ChangeRoute {
		t.Fatalf("got %v", c)
	}
	m.Close()
	m.Close()
	if _, ok := <-m.Changes(); ok {
		t.Fatal("Changes open after Close")
	}
}
