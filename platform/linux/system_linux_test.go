package linux

import (
	"bytes"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/espressovpn/espresso/ipsec/socket"
	"github.com/espressovpn/espresso/platform"
	"github.com/espressovpn/espresso/platform/linux/testnet"
)

// pair builds two namespaces joined by a veth pair: the client (eth0,
// 192.0.2.2 and 2001:db8:1::2) with its default routes via the other end
// (eth1, 192.0.2.1 and 2001:db8:1::1).
func pair(t testing.TB) (client, peer *testnet.Namespace) {
	t.Helper()
	testnet.RequireRoot(t)
	client = testnet.NewNamespace(t, "plat")
	peer = testnet.NewNamespace(t, "peer")
	testnet.Link(t, client, "eth0", peer, "eth1")
	client.Addr("eth0", "192.0.2.2/24", "2001:db8:1::2/64")
	peer.Addr("eth1", "192.0.2.1/24", "2001:db8:1::1/64")
	client.MustRun("ip", "route", "add", "default", "via", "192.0.2.1")
	client.MustRun("ip", "-6", "route", "add", "default", "via", "2001:db8:1::1")
	return client, peer
}

// show returns the output of an ip command in ns, empty when the object
// (such as a routing table) does not exist.
func show(ns *testnet.Namespace, args ...string) string {
	out, err := ns.Run(append([]string{"ip"}, args...)...)
	if err != nil {
		return ""
	}
	return out
}

func mustContain(t *testing.T, what, out string, wants ...string) {
	t.Helper()
	for _, w := range wants {
		if !strings.Contains(out, w) {
			t.Errorf("%s lacks %q:\n%s", what, w, out)
		}
	}
}

// assertClean checks that nothing of the tunnel is left in ns.
func assertClean(t *testing.T, ns *testnet.Namespace, when string) {
	t.Helper()
	if out := show(ns, "-4", "route", "show", "table", "220"); strings.TrimSpace(out) != "" {
		t.Errorf("%s: IPv4 table 220 not empty:\n%s", when, out)
	}
	if out := show(ns, "-6", "route", "show", "table", "220"); strings.TrimSpace(out) != "" {
		t.Errorf("%s: IPv6 table 220 not empty:\n%s", when, out)
	}
	for _, fam := range []string{"-4", "-6"} {
		if out := show(ns, fam, "rule"); strings.Contains(out, "lookup 220") {
			t.Errorf("%s: rule left:\n%s", when, out)
		}
	}
	if out := show(ns, "link", "show", "espresso0"); out != "" {
		t.Errorf("%s: TUN device left:\n%s", when, out)
	}
}

func systemConfig(hop platform.NextHop) *platform.Config {
	return &platform.Config{
		VirtualIPs:      []netip.Prefix{pfx("198.18.0.1/32"), pfx("2001:db8:ff::1/128")},
		RemoteSelectors: []netip.Prefix{pfx("0.0.0.0/0"), pfx("::/0")},
		Exclude:         []netip.Prefix{pfx("198.51.100.0/24")},
		Peer:            ip("203.0.113.1"),
		PeerNextHop:     hop,
		KillSwitch:      true,
		DNS: platform.DNSConfig{
			Servers: []netip.Addr{ip("198.18.0.53")},
			Domains: []string{"corp.example"},
		},
	}
}

// TestSystemSetAndClose applies a dual-stack full tunnel in a fresh
// namespace, checks the kernel's tables and that a packet to a remote
// address reaches the TUN device, then checks Close leaves nothing.
func TestSystemSetAndClose(t *testing.T) {
	client, _ := pair(t)
	dir := t.TempDir()
	resolv := filepath.Join(dir, "resolv.conf")
	orig := "nameserver 192.0.2.53\n"
	if err := os.WriteFile(resolv, []byte(orig), 0o644); err != nil {
		t.Fatal(err)
	}
	opts := Options{StateDir: filepath.Join(dir, "state"), DNS: DNSFile, ResolvConf: resolv}

	var n *Network
	var tun platform.Tunnel
	err := client.Do(func() error {
		var err error
		if n, err = New(opts); err != nil {
			return err
		}
		hop, err := n.RouteTo(ip("203.0.113.1"))
		if err != nil {
			return err
		}
		if want := (platform.NextHop{Gateway: ip("192.0.2.1"), Interface: "eth0", Source: ip("192.0.2.2")}); hop != want {
			t.Errorf("RouteTo = %+v, want %+v", hop, want)
		}
		if tun, err = n.Open("work"); err != nil {
			return err
		}
		return tun.Set(systemConfig(hop))
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { client.Do(tun.Close) })

	mustContain(t, "addresses", show(client, "addr", "show", "espresso0"),
		"198.18.0.1/32", "2001:db8:ff::1/128", "mtu 1400", ",UP")
	mustContain(t, "IPv4 table 220", show(client, "-4", "route", "show", "table", "220"),
		"default dev espresso0 proto static scope link src 198.18.0.1",
		"203.0.113.1 via 192.0.2.1 dev eth0 proto static",
		"throw 198.51.100.0/24 proto static",
		"unreachable default proto static metric 65535")
	mustContain(t, "IPv6 table 220", show(client, "-6", "route", "show", "table", "220"),
		"default dev espresso0 proto static src 2001:db8:ff::1",
		"throw fe80::/10")
	mustContain(t, "IPv4 rules", show(client, "-4", "rule"), "220:\tfrom all lookup 220")
	mustContain(t, "IPv6 rules", show(client, "-6", "rule"), "220:\tfrom all lookup 220")
	if b, _ := os.ReadFile(resolv); !bytes.Contains(b, []byte("nameserver 198.18.0.53")) {
		t.Errorf("resolv.conf lacks the tunnel's server:\n%s", b)
	}
	mustContain(t, "route to the peer", show(client, "route", "get", "203.0.113.1"), "via 192.0.2.1 dev eth0")
	mustContain(t, "route to a remote host", show(client, "route", "get", "203.0.113.99"), "dev espresso0", "src 198.18.0.1")

	// A datagram to a remote host must come out of the TUN device.
	links := tun.Links()
	if len(links) != 1 {
		t.Fatalf("links %+v", links)
	}
	err = client.Do(func() error {
		c, err := net.Dial("udp", "203.0.113.99:9")
		if err != nil {
			return err
		}
		defer c.Close()
		_, err = c.Write([]byte("into the tunnel"))
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if pkt := readUDP(t, links[0].Device, tun); pkt == nil {
		t.Fatal("no packet from the TUN device")
	} else if src := netip.AddrFrom4([4]byte(pkt[12:16])); src != ip("198.18.0.1") {
		t.Errorf("packet source %s, want the virtual IP", src)
	}

	if err := client.Do(tun.Close); err != nil {
		t.Fatal(err)
	}
	assertClean(t, client, "after Close")
	if b, _ := os.ReadFile(resolv); string(b) != orig {
		t.Errorf("resolv.conf not restored:\n%s", b)
	}
}

// readUDP reads packets from dev until an IPv4 UDP one arrives (the kernel
// may send IPv6 router solicitations first). After five seconds it closes
// the tunnel, which ends the Read.
func readUDP(t *testing.T, dev platform.Device, tun platform.Tunnel) []byte {
	t.Helper()
	timer := time.AfterFunc(5*time.Second, func() { tun.Close() })
	defer timer.Stop()
	bufs := make([][]byte, dev.BatchSize())
	for i := range bufs {
		bufs[i] = make([]byte, platform.DeviceOffset+65535)
	}
	sizes := make([]int, len(bufs))
	for range 20 {
		n, err := dev.Read(bufs, sizes, platform.DeviceOffset)
		if err != nil {
			t.Logf("tun read: %v", err)
			return nil
		}
		for i := range n {
			p := bufs[i][platform.DeviceOffset : platform.DeviceOffset+sizes[i]]
			if len(p) >= 28 && p[0]>>4 == 4 && p[9] == 17 {
				return p
			}
		}
	}
	return nil
}

// TestSystemRecoverAfterCrash brings a tunnel up, lets the TUN device go
// as it does when the helper is killed, and checks that Recover in a new
// Network removes every rule, route and DNS change.
func TestSystemRecoverAfterCrash(t *testing.T) {
	client, _ := pair(t)
	dir := t.TempDir()
	resolv := filepath.Join(dir, "resolv.conf")
	orig := "nameserver 192.0.2.53\n"
	if err := os.WriteFile(resolv, []byte(orig), 0o644); err != nil {
		t.Fatal(err)
	}
	opts := Options{StateDir: filepath.Join(dir, "state"), DNS: DNSFile, ResolvConf: resolv}
	err := client.Do(func() error {
		n, err := New(opts)
		if err != nil {
			return err
		}
		hop, err := n.RouteTo(ip("203.0.113.1"))
		if err != nil {
			return err
		}
		tun, err := n.Open("work")
		if err != nil {
			return err
		}
		if err := tun.Set(systemConfig(hop)); err != nil {
			return err
		}
		// The process dies: its descriptors close, nothing else runs.
		lt := tun.(*Tunnel)
		return lt.dev.Close()
	})
	if err != nil {
		t.Fatal(err)
	}
	mustContain(t, "table 220 after the crash", show(client, "-4", "route", "show", "table", "220"),
		"203.0.113.1 via 192.0.2.1", "unreachable default")

	err = client.Do(func() error {
		n, err := New(opts)
		if err != nil {
			return err
		}
		return n.Recover()
	})
	if err != nil {
		t.Fatal(err)
	}
	assertClean(t, client, "after Recover")
	if b, _ := os.ReadFile(resolv); string(b) != orig {
		t.Errorf("resolv.conf not restored:\n%s", b)
	}
	if left, _ := tunnelRecords.List(opts.StateDir); len(left) != 0 {
		t.Errorf("state records left: %v", left)
	}
}

// TestSystemTransports exchanges batches over UDP (with a socket mark) and
// raw ESP between the two namespaces, over IPv4 and IPv6.
func TestSystemTransports(t *testing.T) {
	client, peer := pair(t)
	for _, fam := range []struct{ a, b string }{{"192.0.2.2", "192.0.2.1"}, {"2001:db8:1::2", "2001:db8:1::1"}} {
		var ta, tb, ra, rb socket.Transport
		err := client.Do(func() (err error) {
			if ta, err = platform.ListenUDP(platform.UDPConfig{Addr: netip.AddrPortFrom(ip(fam.a), 4500), FwMark: 0x2a}); err != nil {
				return err
			}
			ra, err = listenRawESP(platform.RawESPConfig{Local: ip(fam.a), FwMark: 0x2a})
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		err = peer.Do(func() (err error) {
			if tb, err = platform.ListenUDP(platform.UDPConfig{Addr: netip.AddrPortFrom(ip(fam.b), 4500)}); err != nil {
				return err
			}
			rb, err = listenRawESP(platform.RawESPConfig{Local: ip(fam.b)})
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		t.Run("udp "+fam.a, func(t *testing.T) { roundTrip(t, ta, tb, 32, 4500) })
		t.Run("esp "+fam.a, func(t *testing.T) { roundTrip(t, ra, rb, 32, 0) })
		for _, c := range []socket.Transport{ta, tb, ra, rb} {
			c.Close()
		}
	}
}

// roundTrip writes count datagrams from a to b in one batch and checks each
// arrives whole with a's address as source; b is closed if they have not
// all arrived within five seconds.
func roundTrip(t *testing.T, a, b socket.Transport, count int, port uint16) {
	t.Helper()
	out := make([]socket.Datagram, count)
	for i := range out {
		// Shaped like ESP: SPI, sequence number, payload.
		p := []byte{0, 0, 0x10, 0x01, 0, 0, 0, byte(i + 1)}
		out[i] = socket.Datagram{Buf: append(p, bytes.Repeat([]byte{byte(i)}, 100+i)...),
			Addr: netip.AddrPortFrom(b.LocalAddr().Addr(), port)}
	}
	if n, err := a.WriteBatch(out); err != nil || n != count {
		t.Fatalf("WriteBatch = %d, %v", n, err)
	}
	in := make([]socket.Datagram, count)
	for i := range in {
		in[i].Buf = make([]byte, 0, 2048)
	}
	timer := time.AfterFunc(5*time.Second, func() { b.Close() })
	defer timer.Stop()
	got := 0
	for got < count {
		n, err := b.ReadBatch(in[got:])
		if err != nil {
			t.Fatalf("ReadBatch after %d: %v", got, err)
		}
		got += n
	}
	for i := range in {
		if !bytes.Equal(in[i].Buf, out[i].Buf) {
			t.Errorf("datagram %d differs (%d bytes, want %d)", i, len(in[i].Buf), len(out[i].Buf))
		}
		if want := netip.AddrPortFrom(a.LocalAddr().Addr(), port); in[i].Addr != want {
			t.Errorf("datagram %d from %s, want %s", i, in[i].Addr, want)
		}
	}
}

// TestSystemAllowPeerTS routes the gateway's own address into the tunnel
// and checks that only packets carrying the fwmark still reach it directly.
func TestSystemAllowPeerTS(t *testing.T) {
	client, _ := pair(t)
	opts := Options{StateDir: t.TempDir(), DNS: DNSFile, ResolvConf: filepath.Join(t.TempDir(), "resolv.conf")}
	var tun platform.Tunnel
	err := client.Do(func() error {
		n, err := New(opts)
		if err != nil {
			return err
		}
		if tun, err = n.Open("host"); err != nil {
			return err
		}
		return tun.Set(&platform.Config{
			VirtualIPs:      []netip.Prefix{pfx("198.18.0.1/32")},
			RemoteSelectors: []netip.Prefix{pfx("192.0.2.1/32")},
			Peer:            ip("192.0.2.1"),
			AllowPeerTS:     true,
			FwMark:          0x2a,
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { client.Do(tun.Close) })
	mustContain(t, "IPv4 rules", show(client, "-4", "rule"), "220:\tnot from all fwmark 0x2a lookup 220")
	mustContain(t, "unmarked route to the peer", show(client, "route", "get", "192.0.2.1"), "dev espresso0")
	mustContain(t, "marked route to the peer", show(client, "route", "get", "192.0.2.1", "mark", "0x2a"), "dev eth0")
	if err := client.Do(tun.Close); err != nil {
		t.Fatal(err)
	}
	assertClean(t, client, "after Close")
}
