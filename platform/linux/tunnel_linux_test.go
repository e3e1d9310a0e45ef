package linux

import (
	"errors"
	"flag"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/espressovpn/espresso/platform"
)

var update = flag.Bool("update", false, "rewrite the golden files")

func pfx(s string) netip.Prefix { return netip.MustParsePrefix(s) }
func ip(s string) netip.Addr    { return netip.MustParseAddr(s) }

// golden compares got with testdata/name.golden.
func golden(t *testing.T, name string, got []string) {
	t.Helper()
	path := filepath.Join("testdata", name+".golden")
	text := strings.Join(got, "\n") + "\n"
	if *update {
		if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if string(want) != text {
		t.Errorf("%s mismatch:\n--- got\n%s--- want\n%s", path, text, want)
	}
}

type testEnv struct {
	k        *fakeKernel
	net      *Network
	dir      string
	resolv   string
	origConf string
}

// newEnv builds a Network on a fake kernel. The resolver file is a
// temporary copy, so DNSFile mode never touches the system's.
func newEnv(t *testing.T, mode DNSMode) *testEnv {
	t.Helper()
	e := &testEnv{k: newFakeKernel(), dir: t.TempDir()}
	e.resolv = filepath.Join(t.TempDir(), "resolv.conf")
	e.origConf = "# from DHCP\nnameserver 192.0.2.53\nsearch lan.example\noptions edns0\n"
	if err := os.WriteFile(e.resolv, []byte(e.origConf), 0o644); err != nil {
		t.Fatal(err)
	}
	e.net = e.newNetwork(t, mode)
	return e
}

func (e *testEnv) newNetwork(t *testing.T, mode DNSMode) *Network {
	t.Helper()
	n, err := newNetwork(Options{
		StateDir:   e.dir,
		DNS:        mode,
		ResolvConf: e.resolv,
		Runner:     &fakeRunner{k: e.k},
	}, e.k, e.k.factory)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func (e *testEnv) records(t *testing.T) []string {
	t.Helper()
	paths, err := tunnelRecords.List(e.dir)
	if err != nil {
		t.Fatal(err)
	}
	return paths
}

func (e *testEnv) resolvConf(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile(e.resolv)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

var eth0 = platform.NextHop{Gateway: ip("192.0.2.1"), Interface: "eth0", Source: ip("192.0.2.2")}

// fullTunnelV4 is a road-warrior connection: everything through the
// tunnel, so the gateway itself needs the exclusion route.
func fullTunnelV4() *platform.Config {
	return &platform.Config{
		VirtualIPs:      []netip.Prefix{pfx("198.18.0.1/32")},
		RemoteSelectors: []netip.Prefix{pfx("0.0.0.0/0")},
		Exclude:         []netip.Prefix{pfx("192.0.2.0/24")},
		Peer:            ip("203.0.113.1"),
		PeerNextHop:     eth0,
		DNS: platform.DNSConfig{
			Servers: []netip.Addr{ip("198.18.0.53")},
			Domains: []string{"corp.example"},
		},
	}
}

// splitDualStack routes two subnets of each family, with both virtual IPs.
func splitDualStack() *platform.Config {
	return &platform.Config{
		VirtualIPs:      []netip.Prefix{pfx("198.18.0.1/32"), pfx("2001:db8:ff::1/128")},
		RemoteSelectors: []netip.Prefix{pfx("198.51.100.0/24"), pfx("2001:db8:100::/48")},
		Peer:            ip("203.0.113.1"),
		MTU:             1380,
		DNS: platform.DNSConfig{
			Servers: []netip.Addr{ip("2001:db8:100::53"), ip("198.51.100.53")},
		},
	}
}

func TestFullTunnelIPv4Resolved(t *testing.T) {
	e := newEnv(t, DNSResolved)
	tun, err := e.net.Open("work")
	if err != nil {
		t.Fatal(err)
	}
	if err := tun.Set(fullTunnelV4()); err != nil {
		t.Fatal(err)
	}
	golden(t, "full_ipv4_resolved_set", e.k.take())
	if got := len(e.records(t)); got != 1 {
		t.Fatalf("%d state records while up, want 1", got)
	}
	links := tun.Links()
	if len(links) != 1 || links[0].Name != "espresso0" || len(links[0].Addrs) != 1 {
		t.Fatalf("links %+v", links)
	}
	if err := tun.Close(); err != nil {
		t.Fatal(err)
	}
	golden(t, "full_ipv4_resolved_close", e.k.take())
	if got := len(e.records(t)); got != 0 {
		t.Fatalf("%d state records after Close", got)
	}
}

func TestSplitDualStackFile(t *testing.T) {
	e := newEnv(t, DNSFile)
	tun, err := e.net.Open("lab")
	if err != nil {
		t.Fatal(err)
	}
	if err := tun.Set(splitDualStack()); err != nil {
		t.Fatal(err)
	}
	golden(t, "split_dual_file_set", e.k.take())
	golden(t, "split_dual_file_resolv.conf", strings.Split(strings.TrimSuffix(e.resolvConf(t), "\n"), "\n"))
	if err := tun.Close(); err != nil {
		t.Fatal(err)
	}
	golden(t, "split_dual_file_close", e.k.take())
	if got := e.resolvConf(t); got != e.origConf {
		t.Fatal("resolv.conf not restored after Close")
	}
}

// TestSplitResolvedRoutingDomains: on a split tunnel the DNS domains are
// systemd-resolved routing-only domains ("~corp.example") and no "~.":
// other names stay with the local resolver. (The full tunnel's "~." is in
// TestFullTunnelIPv4Resolved.)
func TestSplitResolvedRoutingDomains(t *testing.T) {
	e := newEnv(t, DNSResolved)
	tun, err := e.net.Open("lab")
	if err != nil {
		t.Fatal(err)
	}
	c := splitDualStack()
	c.DNS.Domains = []string{"corp.example", "lab.example"}
	if err := tun.Set(c); err != nil {
		t.Fatal(err)
	}
	golden(t, "split_dual_resolved_set", e.k.take())
	if err := tun.Close(); err != nil {
		t.Fatal(err)
	}
}

func TestAllowPeerTSUsesFwmark(t *testing.T) {
	e := newEnv(t, DNSFile)
	tun, _ := e.net.Open("host")
	cfg := &platform.Config{
		VirtualIPs:      []netip.Prefix{pfx("198.18.0.1/32")},
		RemoteSelectors: []netip.Prefix{pfx("203.0.113.1/32")},
		Peer:            ip("203.0.113.1"),
		AllowPeerTS:     true,
		FwMark:          0x2a,
	}
	if err := tun.Set(cfg); err != nil {
		t.Fatal(err)
	}
	golden(t, "allow_peer_ts_set", e.k.take())
	tun.Close()
}

func TestPeerSelectorRefusedWithoutChange(t *testing.T) {
	e := newEnv(t, DNSFile)
	tun, _ := e.net.Open("host")
	cfg := &platform.Config{
		RemoteSelectors: []netip.Prefix{pfx("203.0.113.1/32")},
		Peer:            ip("203.0.113.1"),
	}
	var pe *platform.PeerSelectorError
	if err := tun.Set(cfg); !errors.As(err, &pe) {
		t.Fatalf("Set = %v, want PeerSelectorError", err)
	}
	if calls := e.k.take(); len(calls) != 0 {
		t.Fatalf("refused Set touched the kernel: %v", calls)
	}
}

// TestReapplyConverges checks that a repeated Set only re-asserts state
// and that a changed Config removes exactly what it no longer wants.
func TestReapplyConverges(t *testing.T) {
	e := newEnv(t, DNSResolved)
	tun, _ := e.net.Open("work")
	cfg := splitDualStack()
	if err := tun.Set(cfg); err != nil {
		t.Fatal(err)
	}
	e.k.take()
	if err := tun.Set(cfg); err != nil {
		t.Fatal(err)
	}
	for _, c := range e.k.take() {
		if strings.Contains(c, " del ") || strings.HasPrefix(c, "tuntap") {
			t.Errorf("repeated Set removed or recreated something: %s", c)
		}
	}
	cfg.VirtualIPs = cfg.VirtualIPs[:1]
	cfg.RemoteSelectors = cfg.RemoteSelectors[:1]
	cfg.KillSwitch = true
	cfg.DNS = platform.DNSConfig{}
	if err := tun.Set(cfg); err != nil {
		t.Fatal(err)
	}
	golden(t, "reapply_drop_ipv6", e.k.take())
	tun.Close()
}

// TestRecoverAfterCrash leaves a tunnel up without closing it, lets its
// device vanish as the kernel does when the process dies, and checks that
// a new Network undoes the rest from the record.
func TestRecoverAfterCrash(t *testing.T) {
	e := newEnv(t, DNSFile)
	tun, _ := e.net.Open("work")
	cfg := fullTunnelV4()
	cfg.KillSwitch = true
	if err := tun.Set(cfg); err != nil {
		t.Fatal(err)
	}
	e.k.take()
	e.k.vanish("espresso0")

	restarted := e.newNetwork(t, DNSFile)
	if err := restarted.Recover(); err != nil {
		t.Fatal(err)
	}
	golden(t, "recover_after_crash", e.k.take())
	if got := e.resolvConf(t); got != e.origConf {
		t.Fatal("resolv.conf not restored by Recover")
	}
	if got := len(e.records(t)); got != 0 {
		t.Fatalf("%d state records after Recover", got)
	}
}

// TestOpenCleansStaleRecord checks that Open undoes its own name's record
// but leaves a device now held by another live tunnel alone.
func TestOpenCleansStaleRecord(t *testing.T) {
	e := newEnv(t, DNSResolved)
	old, _ := e.net.Open("work")
	if err := old.Set(fullTunnelV4()); err != nil {
		t.Fatal(err)
	}
	e.k.vanish("espresso0")
	e.k.take()

	restarted := e.newNetwork(t, DNSResolved)
	other, _ := restarted.Open("other")
	if err := other.Set(splitDualStack()); err != nil {
		t.Fatal(err)
	}
	if links := other.Links(); links[0].Name != "espresso0" {
		t.Fatalf("kernel should reuse the name, got %s", links[0].Name)
	}
	e.k.take()
	if _, err := restarted.Open("work"); err != nil {
		t.Fatal(err)
	}
	golden(t, "open_cleans_stale", e.k.take())
}

// TestFailedSetIsUndoneByClose makes a route fail half-way and checks that
// Close still removes what went in.
func TestFailedSetIsUndoneByClose(t *testing.T) {
	e := newEnv(t, DNSFile)
	e.k.fail["route replace unicast 203.0.113.1/32"] = errors.New("injected")
	tun, _ := e.net.Open("work")
	if err := tun.Set(fullTunnelV4()); err == nil {
		t.Fatal("Set succeeded despite the failing route")
	}
	e.k.take()
	if err := tun.Close(); err != nil {
		t.Fatal(err)
	}
	golden(t, "failed_set_close", e.k.take())
	if got := e.resolvConf(t); got != e.origConf {
		t.Fatal("resolv.conf changed by a failed Set")
	}
}

func TestRouteTo(t *testing.T) {
	e := newEnv(t, DNSFile)
	hop, err := e.net.RouteTo(ip("203.0.113.1"))
	if err != nil {
		t.Fatal(err)
	}
	if hop != eth0 {
		t.Fatalf("RouteTo = %+v, want %+v", hop, eth0)
	}
}

func TestResolvConfRender(t *testing.T) {
	got := string(resolvConf("x", platform.DNSConfig{
		Servers: []netip.Addr{ip("198.18.0.53")},
		Domains: []string{"corp.example"},
	}, []byte("nameserver 192.0.2.53\ndomain lan.example\noptions rotate\n")))
	want := "# Written by Espresso for the connection \"x\".\n" +
		"# The previous content is restored when the connection ends.\n" +
		"nameserver 198.18.0.53\nnameserver 192.0.2.53\nsearch corp.example lan.example\noptions rotate\n"
	if got != want {
		t.Fatalf("got\n%s\nwant\n%s", got, want)
	}
}

// A full-tunnel profile whose gateway granted IPv4 only, and within IPv4
// a narrower range than the profile's: what was not granted gets
// unreachable routes in the table, under the IPv6 policy rule too, and
// the gateway and the excluded LAN still leave outside.
func TestBlockedUngranted(t *testing.T) {
	e := newEnv(t, DNSResolved)
	tun, err := e.net.Open("work")
	if err != nil {
		t.Fatal(err)
	}
	c := fullTunnelV4()
	c.RemoteSelectors = []netip.Prefix{pfx("10.0.0.0/8")}
	c.Blocked = []netip.Prefix{pfx("0.0.0.0/0"), pfx("::/0")}
	if err := tun.Set(c); err != nil {
		t.Fatal(err)
	}
	golden(t, "blocked_ungranted_set", e.k.take())
	if err := tun.Close(); err != nil {
		t.Fatal(err)
	}
	golden(t, "blocked_ungranted_close", e.k.take())
}
