package bsd

import (
	"bytes"
	"encoding/hex"
	"errors"
	"net/netip"
	"os"
	"path/filepath"
	"testing"

	"github.com/espressovpn/espresso/platform"
	"github.com/espressovpn/espresso/platform/internal/statefile"
)

func newTestNetwork(t *testing.T, g goldenOS, dir string) (*Network, *fakeKernel, *fakeDNS) {
	t.Helper()
	k := newFakeKernel(g)
	dns := &fakeDNS{}
	n, err := newNetwork(Options{StateDir: dir, Layout: layoutFor(g), TUNName: tunName(g), DNS: dns, DestroyStale: !g.darwin}, k)
	if err != nil {
		t.Fatal(err)
	}
	return n, k, dns
}

func tunName(g goldenOS) string {
	if g.darwin {
		return "utun"
	}
	return ""
}

// fullTunnel sends everything through the tunnel; the gateway is reached
// through en0, so its exclusion route is needed.
func fullTunnel() *platform.Config {
	return &platform.Config{
		VirtualIPs:      []netip.Prefix{pfx("10.3.0.1/32"), pfx("2001:db8:3::1/128")},
		RemoteSelectors: []netip.Prefix{pfx("0.0.0.0/0"), pfx("::/0")},
		Peer:            ip("203.0.113.7"),
		PeerNextHop:     platform.NextHop{Gateway: ip("192.0.2.1"), Interface: "en0"},
		DNS:             platform.DNSConfig{Servers: []netip.Addr{ip("10.3.0.53")}, Domains: []string{"corp.example"}},
	}
}

// linkRoute is the golden RTM_ADD or RTM_DELETE of a route through a tun
// device, with pid and seq zero.
func linkRoute(g goldenOS, typ uint8, dst netip.Prefix, dev *fakeTUN) []byte {
	sa := g.inSA
	mask := "255.255.255.255"
	if dst.Addr().Is6() {
		sa = g.in6SA
		mask = "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"
	}
	m := netip.PrefixFrom(ip(mask), dst.Bits()).Masked().Addr()
	return g.rtmsg(typ, 0x801, 0x7, 0, 0, sa(dst.Addr().String()), g.dlSA(uint16(dev.index), dev.name), sa(m.String()))
}

func peerRoute(g goldenOS, typ uint8) []byte {
	return g.rtmsg(typ, 0x807, 0x3, 0, 0, g.inSA("203.0.113.7"), g.inSA("192.0.2.1"))
}

func sameMessages(t *testing.T, what string, got, want [][]byte) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d routing messages, want %d", what, len(got), len(want))
	}
	for i := range got {
		if !bytes.Equal(got[i], want[i]) {
			t.Errorf("%s: message %d\n got %s\nwant %s", what, i, hex.EncodeToString(got[i]), hex.EncodeToString(want[i]))
		}
	}
}

// Two virtual IPs make two devices, each with its address and the
// selectors of its family; dropping one virtual IP closes its device and
// moves its routes; Close removes everything, the exclusion route last.
func TestDevicePerVirtualIP(t *testing.T) {
	eachOS(t, func(t *testing.T, g goldenOS, l Layout) {
		dir := t.TempDir()
		n, k, dns := newTestNetwork(t, g, dir)
		tun, err := n.Open("work")
		if err != nil {
			t.Fatal(err)
		}
		if err := tun.Set(fullTunnel()); err != nil {
			t.Fatal(err)
		}
		if len(k.devs) != 2 {
			t.Fatalf("%d devices, want one per virtual IP", len(k.devs))
		}
		v4, v6 := k.devs[0], k.devs[1]
		links := tun.Links()
		if len(links) != 2 || links[0].Name != v4.name || links[0].Addrs[0] != pfx("10.3.0.1/32") ||
			links[1].Name != v6.name || links[1].Addrs[0] != pfx("2001:db8:3::1/128") {
			t.Fatalf("links %+v", links)
		}
		if len(k.ioctls) != 2 || k.ioctls[0].inet6 || !k.ioctls[1].inet6 {
			t.Fatalf("address ioctls %+v", k.ioctls)
		}
		sameBytes(t, "IPv4 address request", k.ioctls[0].data, l.addressRequest(v4.name, pfx("10.3.0.1/32")).data)
		sameBytes(t, "IPv6 address request", k.ioctls[1].data, l.addressRequest(v6.name, pfx("2001:db8:3::1/128")).data)
		sameMessages(t, "set", k.takeWrites(), [][]byte{
			peerRoute(g, rtmAdd),
			linkRoute(g, rtmAdd, pfx("0.0.0.0/1"), v4),
			linkRoute(g, rtmAdd, pfx("128.0.0.0/1"), v4),
			linkRoute(g, rtmAdd, pfx("::/1"), v6),
			linkRoute(g, rtmAdd, pfx("8000::/1"), v6),
		})
		if len(dns.applied) != 1 || dns.applied[0].Device != v4.name || !dns.applied[0].Default4 || !dns.applied[0].Default6 {
			t.Fatalf("dns %+v", dns.applied)
		}
		if k.openSockets() != 0 {
			t.Fatalf("%d routing sockets left open", k.openSockets())
		}

		// Again: nothing to do.
		if err := tun.Set(fullTunnel()); err != nil {
			t.Fatal(err)
		}
		if w := k.takeWrites(); len(w) != 0 || len(k.devs) != 2 || len(dns.applied) != 1 {
			t.Fatalf("idempotent Set wrote %d messages, %d devices", len(w), len(k.devs))
		}

		one := fullTunnel()
		one.VirtualIPs = one.VirtualIPs[:1]
		if err := tun.Set(one); err != nil {
			t.Fatal(err)
		}
		if !v6.isClosed() || v4.isClosed() {
			t.Fatal("the IPv6 device should be closed, the IPv4 one kept")
		}
		if l := tun.Links(); len(l) != 1 || l[0].Name != v4.name {
			t.Fatalf("links after dropping IPv6: %+v", l)
		}
		sameMessages(t, "drop IPv6", k.takeWrites(), [][]byte{
			linkRoute(g, rtmDelete, pfx("::/1"), v6),
			linkRoute(g, rtmDelete, pfx("8000::/1"), v6),
			linkRoute(g, rtmAdd, pfx("::/1"), v4),
			linkRoute(g, rtmAdd, pfx("8000::/1"), v4),
		})

		if err := tun.Close(); err != nil {
			t.Fatal(err)
		}
		if !v4.isClosed() {
			t.Fatal("device open after Close")
		}
		sameMessages(t, "close", k.takeWrites(), [][]byte{
			linkRoute(g, rtmDelete, pfx("0.0.0.0/1"), v4),
			linkRoute(g, rtmDelete, pfx("128.0.0.0/1"), v4),
			linkRoute(g, rtmDelete, pfx("::/1"), v4),
			linkRoute(g, rtmDelete, pfx("8000::/1"), v4),
			peerRoute(g, rtmDelete),
		})
		if len(k.table) != 0 {
			t.Fatalf("%d routes left", len(k.table))
		}
		if len(dns.removed) != 1 || dns.removed[0].Device != v4.name {
			t.Fatalf("dns removed %+v", dns.removed)
		}
		if _, err := os.Stat(tunnelRecords.Path(dir, "work")); !errors.Is(err, os.ErrNotExist) {
			t.Fatalf("record left after Close: %v", err)
		}
		if err := tun.Set(fullTunnel()); !errors.Is(err, platform.ErrClosed) {
			t.Fatalf("Set after Close = %v", err)
		}
	})
}

// An on-demand tunnel before IKE_AUTH has no virtual IP: one bare device
// takes every selector, with no address to wait for.
func TestOnDemandBareDevice(t *testing.T) {
	eachOS(t, func(t *testing.T, g goldenOS, l Layout) {
		n, k, _ := newTestNetwork(t, g, t.TempDir())
		tun, _ := n.Open("od")
		c := &platform.Config{RemoteSelectors: []netip.Prefix{pfx("198.51.100.0/24"), pfx("2001:db8:7::/48")}}
		if err := tun.Set(c); err != nil {
			t.Fatal(err)
		}
		if len(k.devs) != 1 || len(k.ioctls) != 0 {
			t.Fatalf("%d devices, %d ioctls", len(k.devs), len(k.ioctls))
		}
		d := k.devs[0]
		if d.mtu != platform.DefaultMTU {
			t.Errorf("mtu %d", d.mtu)
		}
		sameMessages(t, "on-demand", k.takeWrites(), [][]byte{
			linkRoute(g, rtmAdd, pfx("198.51.100.0/24"), d),
			linkRoute(g, rtmAdd, pfx("2001:db8:7::/48"), d),
		})
		c.VirtualIPs = []netip.Prefix{pfx("10.3.0.1/32")}
		c.MTU = 1380
		if err := tun.Set(c); err != nil {
			t.Fatal(err)
		}
		if !d.isClosed() || len(k.devs) != 2 || k.devs[1].mtu != 1380 {
			t.Fatal("the bare device should give way to the virtual IP's device")
		}
		tun.Close()
	})
}

func TestAddressWait(t *testing.T) {
	eachOS(t, func(t *testing.T, g goldenOS, l Layout) {
		dir := t.TempDir()
		n, k, _ := newTestNetwork(t, g, dir)
		k.misdirect, k.unlisted = true, true
		tun, _ := n.Open("work")
		// The same address announced on another interface is not ours.
		err := tun.Set(fullTunnel())
		if !errors.Is(err, ErrAddressNotReported) {
			t.Fatalf("Set = %v, want ErrAddressNotReported", err)
		}
		if !k.devs[0].isClosed() || len(tun.Links()) != 0 {
			t.Fatal("device of the unreported address kept")
		}
		if w := k.takeWrites(); len(w) != 0 {
			t.Fatalf("%d routes written before the address was up", len(w))
		}
		r, err := loadRecord(tunnelRecords.Path(dir, "work"))
		if err != nil || len(r.Devices) != 0 {
			t.Fatalf("record %+v, %v", r, err)
		}

		// The announcement went missing but the address is there.
		k.misdirect, k.silent, k.unlisted = false, true, false
		if err := tun.Set(fullTunnel()); err != nil {
			t.Fatalf("Set with the address listed: %v", err)
		}
		tun.Close()
	})
}

// After a crash, a new helper's Recover removes the routes, the DNS
// settings and (on FreeBSD) the devices the record lists.
func TestRecoverAfterCrash(t *testing.T) {
	eachOS(t, func(t *testing.T, g goldenOS, l Layout) {
		dir := t.TempDir()
		n, k, _ := newTestNetwork(t, g, dir)
		tun, _ := n.Open("work")
		if err := tun.Set(fullTunnel()); err != nil {
			t.Fatal(err)
		}
		// The crash: nothing is closed. A new helper starts.
		n2, k2, dns2 := newTestNetwork(t, g, dir)
		k2.table = k.table
		k2.addrs = map[string][]netip.Addr{k.devs[0].name: nil, k.devs[1].name: {ip("2001:db8:3::1")}, "tun9": {ip("10.9.9.9")}}
		if err := n2.Recover(); err != nil {
			t.Fatal(err)
		}
		if len(k2.table) != 0 {
			t.Fatalf("%d routes left after Recover", len(k2.table))
		}
		if len(dns2.removed) != 1 || dns2.removed[0].Tunnel != "work" {
			t.Fatalf("dns removed %+v", dns2.removed)
		}
		want := []string{k.devs[0].name, k.devs[1].name}
		if g.darwin {
			// A utun goes with the process that held it.
			want = nil
		}
		if len(k2.destroyed) != len(want) || (want != nil && (k2.destroyed[0] != want[0] || k2.destroyed[1] != want[1])) {
			t.Fatalf("destroyed %v, want %v", k2.destroyed, want)
		}
		if m, _ := filepath.Glob(filepath.Join(dir, "*.json")); len(m) != 0 {
			t.Fatalf("records left: %v", m)
		}
		// Exclusion routes go last, after the tunnel's own.
		w := k2.takeWrites()
		if last := w[len(w)-1]; !bytes.Equal(last, peerRoute(g, rtmDelete)) {
			t.Errorf("last delete %s, want the exclusion route", hex.EncodeToString(last))
		}
	})
}

// A device now holding someone else's address is not destroyed.
func TestRecoverSparesForeignDevice(t *testing.T) {
	dir := t.TempDir()
	rec := record{Tunnel: "work", Devices: []deviceRecord{{Name: "tun4", Addr: pfx("10.3.0.1/32")}}}
	if err := statefile.Save(tunnelRecords.Path(dir, "work"), &rec); err != nil {
		t.Fatal(err)
	}
	n, k, _ := newTestNetwork(t, goldenFreeBSD, dir)
	k.addrs["tun4"] = []netip.Addr{ip("10.200.0.1")}
	if err := n.Recover(); err != nil {
		t.Fatal(err)
	}
	if len(k.destroyed) != 0 {
		t.Fatalf("destroyed %v", k.destroyed)
	}
}

// peerReply answers an RTM_GET for the peer with a host route carrying
// flags.
func peerReply(g goldenOS, flags int32) func(pid, seq int32) []byte {
	return func(pid, seq int32) []byte {
		return g.rtmsg(rtmGet, flags, 0x33, pid, seq, g.inSA("203.0.113.7"), g.inSA("192.0.2.1"),
			g.dlSA(4, "en0"), g.inSA("192.0.2.10"))
	}
}

// An exclusion route that an administrator added (RTF_STATIC) is theirs:
// Set leaves it, Close does not delete it.
func TestExistingExclusionLeftAlone(t *testing.T) {
	eachOS(t, func(t *testing.T, g goldenOS, l Layout) {
		n, k, _ := newTestNetwork(t, g, t.TempDir())
		peer := routeSpec{Dst: pfx("203.0.113.7/32"), Dev: "en0", Index: 4, Gateway: ip("192.0.2.1"), Exclusion: true}
		k.addRoute(peer)
		k.replies[ip("203.0.113.7")] = peerReply(g, 0x1|0x2|0x4|0x800)
		tun, _ := n.Open("work")
		if err := tun.Set(fullTunnel()); err != nil {
			t.Fatal(err)
		}
		if err := tun.Set(fullTunnel()); err != nil {
			t.Fatal(err)
		}
		if err := tun.Close(); err != nil {
			t.Fatal(err)
		}
		if !k.hasRoute(peer) {
			t.Fatal("pre-existing exclusion route deleted")
		}
	})
}

// An excluded prefix keeps the path it had before the tunnel: it is
// looked up first and goes in with the exclusions.
func TestExcludeUsesOriginalPath(t *testing.T) {
	eachOS(t, func(t *testing.T, g goldenOS, l Layout) {
		n, k, _ := newTestNetwork(t, g, t.TempDir())
		k.replies[ip("192.0.2.0")] = func(pid, seq int32) []byte {
			return g.rtmsg(rtmGet, 0x41, 0x37, pid, seq, g.inSA("192.0.2.0"), g.dlSA(4, "en0"),
				g.inSA("255.255.255.0"), g.dlSA(4, "en0"), g.inSA("192.0.2.10"))
		}
		c := fullTunnel()
		c.VirtualIPs = c.VirtualIPs[:1]
		c.RemoteSelectors = c.RemoteSelectors[:1]
		c.Exclude = []netip.Prefix{pfx("192.0.2.0/24")}
		tun, _ := n.Open("work")
		if err := tun.Set(c); err != nil {
			t.Fatal(err)
		}
		v4 := k.devs[0]
		sameMessages(t, "set", k.takeWrites(), [][]byte{
			g.rtmsg(rtmGet, 0x5, 0x11, 0, 0, g.inSA("192.0.2.0"), g.dlSA(0, "")),
			peerRoute(g, rtmAdd),
			g.rtmsg(rtmAdd, 0x801, 0x7, 0, 0, g.inSA("192.0.2.0"), g.dlSA(4, "en0"), g.inSA("255.255.255.0")),
			linkRoute(g, rtmAdd, pfx("0.0.0.0/1"), v4),
			linkRoute(g, rtmAdd, pfx("128.0.0.0/1"), v4),
		})
		tun.Close()
	})
}

func TestRouteTo(t *testing.T) {
	eachOS(t, func(t *testing.T, g goldenOS, l Layout) {
		n, k, _ := newTestNetwork(t, g, t.TempDir())
		k.replies[ip("203.0.113.7")] = func(pid, seq int32) []byte {
			return g.rtmsg(rtmGet, 0x43, 0x37, pid, seq, g.inSA("0.0.0.0"), g.inSA("192.0.2.1"),
				make([]byte, g.align), g.dlSA(4, "en0"), g.inSA("192.0.2.10"))
		}
		hop, err := n.RouteTo(ip("203.0.113.7"))
		want := platform.NextHop{Gateway: ip("192.0.2.1"), Interface: "en0", Source: ip("192.0.2.10")}
		if err != nil || hop != want {
			t.Fatalf("RouteTo = %+v, %v; want %+v", hop, err, want)
		}
		if _, err := n.RouteTo(ip("198.51.100.1")); err == nil {
			t.Fatal("RouteTo without route succeeded")
		}
	})
}

// What the BSD systems cannot do is refused, never half done.
func TestRefusesWhatBSDLacks(t *testing.T) {
	n, k, _ := newTestNetwork(t, goldenDarwin, t.TempDir())
	tun, _ := n.Open("work")
	peerTS := fullTunnel()
	peerTS.RemoteSelectors = []netip.Prefix{pfx("203.0.113.7/32")}
	peerTS.AllowPeerTS, peerTS.FwMark = true, 7
	ks := fullTunnel()
	ks.KillSwitch = true
	inject := fullTunnel()
	inject.DNS.Domains = []string{"corp.example\nremove State:/Network/Global/DNS"}
	for _, c := range []*platform.Config{peerTS, ks, inject} {
		var ce *platform.ConfigError
		if err := tun.Set(c); !errors.As(err, &ce) {
			t.Fatalf("Set = %v, want a ConfigError", err)
		}
	}
	if len(k.devs) != 0 || len(k.writes) != 0 {
		t.Fatal("a refused Set touched the system")
	}
	if _, err := n.ListenUDP(platform.UDPConfig{Addr: netip.MustParseAddrPort("127.0.0.1:0"), FwMark: 1}); !errors.Is(err, platform.ErrUnsupported) {
		t.Fatalf("ListenUDP with fwmark = %v", err)
	}
	if _, err := n.ListenRawESP(platform.RawESPConfig{Local: ip("127.0.0.1")}); !errors.Is(err, platform.ErrUnsupported) {
		t.Fatalf("ListenRawESP = %v", err)
	}
	tr, err := n.ListenUDP(platform.UDPConfig{Addr: netip.MustParseAddrPort("127.0.0.1:0")})
	if err != nil {
		t.Fatal(err)
	}
	tr.Close()
}

// A host route the kernel cloned for the peer (macOS does, and expires it)
// is replaced by the exclusion route, which the tunnel then owns.
func TestClonedPeerRouteReplaced(t *testing.T) {
	eachOS(t, func(t *testing.T, g goldenOS, l Layout) {
		n, k, _ := newTestNetwork(t, g, t.TempDir())
		k.addRoute(routeSpec{Dst: pfx("203.0.113.7/32"), Dev: "en0", Index: 4})
		k.replies[ip("203.0.113.7")] = peerReply(g, 0x1|0x2|0x4|0x20000)
		c := fullTunnel()
		c.VirtualIPs, c.RemoteSelectors = c.VirtualIPs[:1], c.RemoteSelectors[:1]
		tun, _ := n.Open("work")
		if err := tun.Set(c); err != nil {
			t.Fatal(err)
		}
		w := k.takeWrites()
		sameMessages(t, "replace", w[:4], [][]byte{
			peerRoute(g, rtmAdd),
			g.rtmsg(rtmGet, 0x5, 0x11, 0, 0, g.inSA("203.0.113.7"), g.dlSA(0, "")),
			g.rtmsg(rtmDelete, 0x5, 0x1, 0, 0, g.inSA("203.0.113.7")),
			peerRoute(g, rtmAdd),
		})
		if err := tun.Close(); err != nil {
			t.Fatal(err)
		}
		if len(k.table) != 0 {
			t.Fatalf("routes left: %v", k.table)
		}
	})
}

// A full-tunnel profile whose gateway granted IPv4 only: IPv6 gets reject
// routes through ::1 (RTF_REJECT), the two halves of ::/0 like the
// tunnel's own, so it is refused instead of leaving in the clear; Close
// takes them out again.
func TestBlockedUngranted(t *testing.T) {
	eachOS(t, func(t *testing.T, g goldenOS, l Layout) {
		n, k, _ := newTestNetwork(t, g, t.TempDir())
		tun, err := n.Open("work")
		if err != nil {
			t.Fatal(err)
		}
		c := fullTunnel()
		c.VirtualIPs = c.VirtualIPs[:1]
		c.RemoteSelectors = []netip.Prefix{pfx("0.0.0.0/0")}
		c.Blocked = []netip.Prefix{pfx("::/0")}
		if err := tun.Set(c); err != nil {
			t.Fatal(err)
		}
		v4 := k.devs[0]
		reject := func(typ uint8, dst netip.Prefix) []byte {
			m := netip.PrefixFrom(ip("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"), dst.Bits()).Masked().Addr()
			return g.rtmsg(typ, 0x80b, 0x7, 0, 0, g.in6SA(dst.Addr().String()), g.in6SA("::1"), g.in6SA(m.String()))
		}
		sameMessages(t, "set", k.takeWrites(), [][]byte{
			peerRoute(g, rtmAdd),
			linkRoute(g, rtmAdd, pfx("0.0.0.0/1"), v4),
			linkRoute(g, rtmAdd, pfx("128.0.0.0/1"), v4),
			reject(rtmAdd, pfx("::/1")),
			reject(rtmAdd, pfx("8000::/1")),
		})
		if err := tun.Close(); err != nil {
			t.Fatal(err)
		}
		sameMessages(t, "close", k.takeWrites(), [][]byte{
			linkRoute(g, rtmDelete, pfx("0.0.0.0/1"), v4),
			linkRoute(g, rtmDelete, pfx("128.0.0.0/1"), v4),
			reject(rtmDelete, pfx("::/1")),
			reject(rtmDelete, pfx("8000::/1")),
			peerRoute(g, rtmDelete),
		})
	})
}
