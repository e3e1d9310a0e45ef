package linux

import (
	"errors"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/espressovpn/espresso/platform"
	"github.com/espressovpn/espresso/platform/linux/testnet"
)

// capture records what leaves the client's eth0 with tcpdump until stop,
// which returns the packets as tcpdump prints them. Immediate mode hands
// every packet to tcpdump at once; otherwise those still in the kernel's
// ring when it is stopped are lost.
func capture(t *testing.T, ns *testnet.Namespace) (stop func() string) {
	t.Helper()
	dir := t.TempDir()
	pcap, log := filepath.Join(dir, "out.pcap"), filepath.Join(dir, "tcpdump.log")
	p := testnet.Start(t, ns.Command("tcpdump", "-i", "eth0", "-n", "--immediate-mode", "-U", "-Q", "out", "-w", pcap), log)
	// tcpdump says "listening on" once its capture is open.
	deadline := time.Now().Add(10 * time.Second)
	for {
		b, _ := os.ReadFile(log)
		if strings.Contains(string(b), "listening on") {
			break
		}
		if time.Now().After(deadline) || p.Exited() {
			t.Fatalf("tcpdump did not start: %s", b)
		}
		time.Sleep(50 * time.Millisecond)
	}
	return func() string {
		// Let the last packets reach the capture before it closes.
		time.Sleep(300 * time.Millisecond)
		p.Stop(5 * time.Second)
		out, err := ns.Run("tcpdump", "-r", pcap, "-n")
		if err != nil {
			t.Fatalf("read capture: %v", err)
		}
		return out
	}
}

// send writes one datagram to each destination from inside ns, ignoring
// the errors a refused packet causes.
func send(t *testing.T, ns *testnet.Namespace, dsts ...string) {
	t.Helper()
	err := ns.Do(func() error {
		for _, d := range dsts {
			c, err := net.Dial("udp", d)
			if err != nil {
				continue
			}
			c.Write([]byte("cleartext"))
			c.Close()
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// sendFrom writes one datagram from UDP port sport to dst from inside ns,
// ignoring the error a refused packet causes.
func sendFrom(t *testing.T, ns *testnet.Namespace, sport int, dst string) {
	t.Helper()
	err := ns.Do(func() error {
		raddr, err := net.ResolveUDPAddr("udp", dst)
		if err != nil {
			return err
		}
		c, err := net.DialUDP("udp", &net.UDPAddr{Port: sport}, raddr)
		if err != nil {
			return err
		}
		c.Write([]byte("cleartext"))
		return c.Close()
	})
	if err != nil {
		t.Fatal(err)
	}
}

// protected are the remote selectors of the test's connection.
var protected = []string{"198.51.100.", "2001:db8:100:"}

func leaked(out string) []string {
	var bad []string
	for _, line := range strings.Split(out, "\n") {
		for _, p := range protected {
			if strings.Contains(line, " > "+p) {
				bad = append(bad, line)
			}
		}
	}
	return bad
}

func systemBlock() *platform.BlockConfig {
	return &platform.BlockConfig{
		Protected: []netip.Prefix{pfx("198.51.100.0/24"), pfx("2001:db8:100::/48")},
		Gateways:  []netip.Addr{ip("192.0.2.1")},
	}
}

// TestSystemKillSwitchNoLeakWhileDown brings a tunnel up under a kill
// switch, checks protected traffic reaches the TUN device, then takes the
// tunnel away as a reconnection does and captures on eth0: not one
// cleartext packet for the protected destinations, nor a DNS query, leaves
// while IKE to the gateway and other traffic still do. Once the block is
// released the same packets leave, which shows the capture would have
// seen a leak.
func TestSystemKillSwitchNoLeakWhileDown(t *testing.T) {
	client, _ := pair(t)
	testnet.RequireRoot(t, "tcpdump", "nft")
	opts := Options{StateDir: t.TempDir(), DNS: DNSFile, ResolvConf: filepath.Join(t.TempDir(), "resolv.conf")}
	var n *Network
	var ks *KillSwitch
	var tun platform.Tunnel
	up := systemBlock()
	up.Up = true
	err := client.Do(func() (err error) {
		if n, err = New(opts); err != nil {
			return err
		}
		if ks, err = n.KillSwitch(); err != nil {
			return err
		}
		t.Cleanup(func() { ks.Close() })
		if err := ks.Engage("work", up); err != nil {
			return err
		}
		if tun, err = n.Open("work"); err != nil {
			return err
		}
		return tun.Set(&platform.Config{
			VirtualIPs:      []netip.Prefix{pfx("198.18.0.1/32"), pfx("2001:db8:ff::1/128")},
			RemoteSelectors: up.Protected,
			Peer:            ip("192.0.2.1"),
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		client.Do(tun.Close)
		client.Do(func() error { return ks.Release("work") })
	})
	mustContain(t, "nft table", client.MustRun("nft", "list", "table", "inet", "espresso-work"),
		`oifname "espresso*" accept`, "ip daddr 198.51.100.0/24 reject", "hook output", "hook forward", `iifname "espresso*" accept`)

	// Up: the tunnel device takes the protected traffic.
	send(t, client, "198.51.100.7:9")
	if pkt := readUDP(t, tun.Links()[0].Device, tun); pkt == nil {
		t.Fatal("the kill switch kept protected traffic out of the tunnel")
	}

	// Down: the session closes its tunnel; the block stays.
	down := systemBlock()
	if err := client.Do(func() error {
		if err := ks.Engage("work", down); err != nil {
			return err
		}
		return tun.Close()
	}); err != nil {
		t.Fatal(err)
	}
	stop := capture(t, client)
	send(t, client, "198.51.100.7:9", "[2001:db8:100::7]:9", "192.0.2.53:53", "192.0.2.1:500", "203.0.113.5:9")
	tcpRefused := client.Do(func() error {
		c, err := net.DialTimeout("tcp", "198.51.100.7:80", 3*time.Second)
		if err == nil {
			c.Close()
		}
		return err
	})
	out := stop()
	if bad := leaked(out); len(bad) > 0 {
		t.Errorf("cleartext left for protected destinations while down:\n%s", strings.Join(bad, "\n"))
	}
	if strings.Contains(out, "192.0.2.53.53") {
		t.Errorf("a DNS query left while down:\n%s", out)
	}
	mustContain(t, "capture while down", out, "192.0.2.2.", "> 192.0.2.1.500:", "> 203.0.113.5.9:")
	var ne net.Error
	if tcpRefused == nil || errors.As(tcpRefused, &ne) && ne.Timeout() {
		t.Errorf("TCP to a protected host was not refused at once: %v", tcpRefused)
	}

	// A crash leaves the block: a new process finds it, and the
	// Network's recovery does not lift it.
	err = client.Do(func() error {
		n2, err := New(opts)
		if err != nil {
			return err
		}
		if err := n2.Recover(); err != nil {
			return err
		}
		ks2, err := n2.KillSwitch()
		if err != nil {
			return err
		}
		defer ks2.Close()
		names, err := ks2.Engaged()
		if err != nil {
			return err
		}
		if len(names) != 1 || names[0] != "work" {
			t.Errorf("after a restart, engaged = %v", names)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := client.Run("nft", "list", "table", "inet", "espresso-work"); err != nil {
		t.Errorf("the block did not outlive the process: %v", err)
	}

	// Released: the same traffic leaves in the clear.
	if err := client.Do(func() error { return ks.Release("work") }); err != nil {
		t.Fatal(err)
	}
	if _, err := client.Run("nft", "list", "table", "inet", "espresso-work"); err == nil {
		t.Error("table left after Release")
	}
	stop = capture(t, client)
	send(t, client, "198.51.100.7:9")
	if out := stop(); len(leaked(out)) == 0 {
		t.Errorf("without the block no packet for the protected host was captured; the capture cannot see leaks:\n%s", out)
	}
}

// TestSystemKillSwitchBlockOutside checks that BlockOutside refuses
// traffic to any destination but the gateway's IKE, and that DHCP's
// exemption carries nothing from the DHCP client ports to a unicast
// address: only to broadcast, multicast and link-local ones.
func TestSystemKillSwitchBlockOutside(t *testing.T) {
	client, _ := pair(t)
	testnet.RequireRoot(t, "tcpdump", "nft")
	var ks *KillSwitch
	err := client.Do(func() error {
		n, err := New(Options{StateDir: t.TempDir()})
		if err != nil {
			return err
		}
		if ks, err = n.KillSwitch(); err != nil {
			return err
		}
		t.Cleanup(func() { ks.Close() })
		return ks.Engage("work", &platform.BlockConfig{BlockOutside: true, Gateways: []netip.Addr{ip("192.0.2.1"), ip("2001:db8:1::1")}})
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { client.Do(func() error { return ks.Release("work") }) })
	waitIPv6(t, client)
	stop := capture(t, client)
	send(t, client, "203.0.113.5:9", "[2001:db8:1::1]:9", "192.0.2.1:4500", "[2001:db8:1::1]:4500", "127.0.0.1:9")
	sendFrom(t, client, 68, "203.0.113.5:67")
	sendFrom(t, client, 546, "[2001:db8:1::1]:547")
	sendFrom(t, client, 68, "255.255.255.255:67")
	sendFrom(t, client, 546, "[ff02::1:2%eth0]:547")
	out := stop()
	if strings.Contains(out, "203.0.113.5") || strings.Contains(out, "2001:db8:1::1.9") {
		t.Errorf("traffic outside the tunnel left:\n%s", out)
	}
	if strings.Contains(out, "> 2001:db8:1::1.547") {
		t.Errorf("UDP 546→547 to a unicast address passed as DHCPv6:\n%s", out)
	}
	// IKE over IPv6 needs neighbour discovery, which the block lets
	// through.
	mustContain(t, "capture", out, "> 192.0.2.1.4500:", "> 2001:db8:1::1.4500:", "neighbor solicitation",
		"> 255.255.255.255.67:", "> ff02::1:2.547:")
}

// waitIPv6 waits until duplicate address detection has finished on the
// client's addresses, which cannot send before.
func waitIPv6(t *testing.T, ns *testnet.Namespace) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); ; {
		if out, err := ns.Run("ip", "-6", "addr", "show", "tentative"); err == nil && strings.TrimSpace(out) == "" {
			return
		}
		if time.Now().After(deadline) {
			t.Fatal("IPv6 addresses still tentative")
		}
		time.Sleep(100 * time.Millisecond)
	}
}
