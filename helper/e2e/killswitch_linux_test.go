package e2e

import (
	"net"
	"net/netip"
	"testing"
	"time"

	"golang.org/x/net/dns/dnsmessage"

	"github.com/espressovpn/espresso/helper/api"
	"github.com/espressovpn/espresso/helper/e2e/lab"
	"github.com/espressovpn/espresso/platform/linux/testnet"
)

// lanName is a name the LAN's DNS server (testnet.DNSV4) knows.
const lanName = "host.lan.example.test"

// TestKillSwitchNoLeak: a kill_switch profile is connected, then the
// gateway goes away (its charon is stopped, deleting the IKE SA, and
// stays down). While the helper reconnects, a capture on the client's
// outer interface sees the test's pings, TCP connections and DNS queries
// to the protected LAN and its DNS server, a look-up through the
// system's resolver, and pings from a second namespace the client
// forwards for (a container's or a shared hotspot's traffic): not one of
// them leaves in the clear, and no DNS query at all, while IKE to the
// gateway does. Once the gateway is back,
// the tunnel comes back by itself and carries traffic and DNS. After
// down, the same pings, the forwarded one too, show in a capture, so the
// capture would have seen a leak.
func TestKillSwitchNoLeak(t *testing.T) {
	r := newRig(t, false)
	guest := forwardedGuest(t, r.top.Client)
	r.top.LAN.Addr("eth0", testnet.DNSV4.String()+"/24")
	lab.StartDNS(t, r.top.LAN, testnet.DNSV4, map[string]netip.Addr{lanName: testnet.LANHostV4})
	p := lab.PSKProfile("work")
	p.KillSwitch = true
	r.h.Import(p)
	w := watch(t, r.h, "work")
	r.up(t, "work")
	if out, err := r.top.Client.Run("ping", "-c", "2", "-i", "0.2", "-W", "2", testnet.LANHostV4.String()); err != nil {
		t.Fatalf("no ping through the tunnel: %v\n%s", err, out)
	}
	if a, err := queryA(r.top.Client, testnet.DNSV4, lanName); err != nil || a != testnet.LANHostV4 {
		t.Fatalf("DNS through the tunnel: %v, %v", a, err)
	}

	c := startCapture(t, r.top.Client, "eth0")
	lab.StopCharon(t, r.gw.Process())
	stopped := time.Now()
	if _, ok := w.wait(api.StateReconnecting, stopped, 20*time.Second); !ok {
		t.Fatalf("the status did not say reconnecting within 20s of the gateway's stop: %v", w.states(stopped))
	}

	// What an application does meanwhile: every attempt must fail
	// without a packet in the clear.
	for range 3 {
		if out, err := r.top.Client.Run("ping", "-c", "2", "-i", "0.2", "-W", "1", testnet.LANHostV4.String()); err == nil {
			t.Errorf("a ping to the LAN was answered while the tunnel was down:\n%s", out)
		}
		if err := tcpConnect(r.top.Client, netip.AddrPortFrom(testnet.LANHostV4, tcpSinkPort), time.Second); err != nil && err.Error() == "connected" {
			t.Error("a TCP connection to the LAN was made while the tunnel was down")
		}
		if a, err := queryA(r.top.Client, testnet.DNSV4, lanName); err == nil {
			t.Errorf("the tunnel's DNS server answered (%v) while the tunnel was down", a)
		}
		// The system's resolver, the gateway's outer address here.
		if out, err := r.top.Client.Run("getent", "ahostsv4", lanName); err == nil {
			t.Errorf("the system's resolver answered while the tunnel was down:\n%s", out)
		}
		if out, err := guest.Run("ping", "-c", "2", "-i", "0.2", "-W", "1", testnet.LANHostV4.String()); err == nil {
			t.Errorf("a ping forwarded for the guest was answered while the tunnel was down:\n%s", out)
		}
		time.Sleep(500 * time.Millisecond)
	}
	if up, ok := w.first(api.StateConnected, stopped); ok {
		t.Fatalf("the connection came back at %v, before the traffic was sent; the capture proves nothing", up.at)
	}
	time.Sleep(300 * time.Millisecond)
	c.stop()

	if leaks := c.lines("dst net " + testnet.LANV4.String()); len(leaks) > 0 {
		t.Errorf("%d packets to the protected LAN left in the clear while reconnecting:\n%s", len(leaks), joinLines(leaks))
	}
	if leaks := c.lines("src net " + guestNet); len(leaks) > 0 {
		t.Errorf("%d packets forwarded for the guest left in the clear while reconnecting:\n%s", len(leaks), joinLines(leaks))
	}
	if leaks := c.lines("port 53 or port 853"); len(leaks) > 0 {
		t.Errorf("%d DNS packets left in the clear while reconnecting:\n%s", len(leaks), joinLines(leaks))
	}
	ike := c.count("dst host " + testnet.GatewayV4.String() + " and udp and (dst port 500 or dst port 4500)")
	if ike == 0 {
		t.Errorf("the capture has no IKE to the gateway: it saw nothing of the reconnection")
	}
	t.Logf("capture while reconnecting: %d IKE packets to the gateway, none to %v, no DNS", ike, testnet.LANV4)

	lab.RestartCharon(t, r.top.Gateway, r.gw.Charon)
	restored := time.Now()
	// The next attempt comes within the back-off (5 s doubling), so
	// within 20 s this early in the series.
	up, ok := w.wait(api.StateConnected, restored, 30*time.Second)
	if !ok {
		t.Fatalf("not connected within 30s of the gateway's return: %v", w.states(stopped))
	}
	t.Logf("connected again %v after the gateway came back", up.at.Sub(restored).Round(time.Millisecond))
	if out, err := r.top.Client.Run("ping", "-c", "2", "-i", "0.2", "-W", "2", testnet.LANHostV4.String()); err != nil {
		t.Errorf("no ping through the tunnel after it came back: %v\n%s", err, out)
	}
	if a, err := queryA(r.top.Client, testnet.DNSV4, lanName); err != nil || a != testnet.LANHostV4 {
		t.Errorf("DNS through the tunnel after it came back: %v, %v", a, err)
	}
	r.h.MustCtl("down", "work")

	// The control: without the connection, and so without its block, the
	// same ping does leave in the clear, so the capture's filter sees
	// such packets when there are any.
	c = startCapture(t, r.top.Client, "eth0")
	r.top.Client.Run("ping", "-c", "1", "-W", "1", testnet.LANHostV4.String())
	guest.Run("ping", "-c", "1", "-W", "1", testnet.LANHostV4.String())
	time.Sleep(300 * time.Millisecond)
	c.stop()
	if c.count("dst net "+testnet.LANV4.String()) == 0 {
		t.Error("after down, a ping to the LAN did not show in the capture either: the capture cannot see leaks")
	}
	if c.count("src net "+guestNet+" and dst net "+testnet.LANV4.String()) == 0 {
		t.Error("after down, the guest's forwarded ping did not show in the capture either: the capture cannot see forwarded leaks")
	}
}

// guestNet is the link between the client and forwardedGuest's namespace.
const guestNet = "10.99.0.0/24"

// forwardedGuest returns a namespace whose traffic the client forwards,
// as it does a container's, a virtual machine's or a shared hotspot's.
func forwardedGuest(t *testing.T, client *testnet.Namespace) *testnet.Namespace {
	t.Helper()
	guest := testnet.NewNamespace(t, "guest")
	testnet.Link(t, client, "guest0", guest, "eth0")
	client.Addr("guest0", "10.99.0.1/24")
	guest.Addr("eth0", "10.99.0.2/24")
	guest.MustRun("ip", "route", "add", "default", "via", "10.99.0.1")
	client.Forward()
	return guest
}

// queryA asks server for name's IPv4 address from inside ns, waiting a
// second for the answer.
func queryA(ns *testnet.Namespace, server netip.Addr, name string) (netip.Addr, error) {
	var a netip.Addr
	err := ns.Do(func() error {
		q := dnsmessage.NewBuilder(nil, dnsmessage.Header{ID: 0x4553, RecursionDesired: true})
		if err := q.StartQuestions(); err != nil {
			return err
		}
		if err := q.Question(dnsmessage.Question{Name: dnsmessage.MustNewName(name + "."), Type: dnsmessage.TypeA, Class: dnsmessage.ClassINET}); err != nil {
			return err
		}
		msg, err := q.Finish()
		if err != nil {
			return err
		}
		c, err := net.Dial("udp", netip.AddrPortFrom(server, 53).String())
		if err != nil {
			return err
		}
		defer c.Close()
		c.SetDeadline(time.Now().Add(time.Second))
		if _, err := c.Write(msg); err != nil {
			return err
		}
		buf := make([]byte, 512)
		n, err := c.Read(buf)
		if err != nil {
			return err
		}
		var p dnsmessage.Parser
		if _, err := p.Start(buf[:n]); err != nil {
			return err
		}
		if err := p.SkipAllQuestions(); err != nil {
			return err
		}
		r, err := p.AnswerHeader()
		if err != nil {
			return err
		}
		if r.Type != dnsmessage.TypeA {
			return p.SkipAnswer()
		}
		ar, err := p.AResource()
		if err != nil {
			return err
		}
		a = netip.AddrFrom4(ar.A)
		return nil
	})
	return a, err
}

func joinLines(ls []string) string {
	out := ""
	for _, l := range ls {
		out += l + "\n"
	}
	return out
}
