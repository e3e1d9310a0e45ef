package e2e

import (
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/espressovpn/espresso/helper/e2e/lab"
	"github.com/espressovpn/espresso/platform"
	"github.com/espressovpn/espresso/platform/linux/testnet"
)

// lanSide selects the client's segments on the LAN: from the pool of
// virtual IPs to the LAN host's iperf3 port.
var lanSide = "tcp port " + strconv.Itoa(lab.IPerfPort)

// TestMSSClamp: with the profile's default MTU (1400), TCP through the
// tunnel negotiates an MSS that fits it (RFC 4459 §3.2), both ways, even
// when the client's own stack advertises more, and a bulk transfer each
// way then crosses the outer path without a fragment or an ICMP
// "fragmentation needed".
func TestMSSClamp(t *testing.T) {
	r := newRig(t, false)
	r.h.Import(lab.PSKProfile("work"))
	before := r.state(t)
	r.up(t, "work")
	_, vip := r.connected(t, "work", false)
	const maxMSS = platform.DefaultMTU - 40

	// Make the client's stack advertise a 1460-byte MSS into the tunnel,
	// as a host whose route MTU is the Ethernet one does: the SYN must be
	// clamped by the engine, not merely left small by the TUN's MTU.
	route := strings.TrimSpace(r.top.Client.MustRun("ip", "route", "show", "table", strconv.Itoa(platform.DefaultTable), testnet.LANV4.String()))
	if route == "" {
		t.Fatalf("no route for %v in table %d", testnet.LANV4, platform.DefaultTable)
	}
	args := append([]string{"ip", "route", "replace"}, strings.Fields(route)...)
	r.top.Client.MustRun(append(args, "table", strconv.Itoa(platform.DefaultTable), "advmss", "1460")...)

	lan := startCapture(t, r.top.LAN, "eth0")
	inner := startCapture(t, r.top.Client, "any")
	outer := startCapture(t, r.top.Client, "eth0")
	for _, reverse := range []bool{false, true} {
		tr, err := lab.IPerf(r.top.Client, testnet.LANHostV4, vip, 3*time.Second, reverse, 0)
		t.Logf("iperf3 %s through the tunnel: %.0f Mbit/s", tr.Kind, tr.BitsPerSecond/1e6)
		if err != nil || tr.BitsPerSecond < 1e6 {
			t.Errorf("iperf3 %s: %.0f bit/s, %v", tr.Kind, tr.BitsPerSecond, err)
		}
	}
	lan.stop()
	inner.stop()
	outer.stop()

	// On the LAN: the client's SYNs carry the clamped MSS.
	syns := lan.synMSS(lanSide + " and src net " + testnet.PoolV4.String() + " and tcp[tcpflags] & tcp-ack == 0")
	if len(syns) == 0 {
		t.Fatal("no SYN from the virtual IP reached the LAN host")
	}
	for _, m := range syns {
		if m > maxMSS {
			t.Errorf("a SYN reached the LAN host with MSS %d, above %d", m, maxMSS)
		}
	}
	// The LAN host answers with its own (Ethernet) MSS; on the client's
	// TUN device the SYN-ACK carries the clamped one.
	acks := inner.synMSS(lanSide + " and src host " + testnet.LANHostV4.String() + " and tcp[tcpflags] & tcp-ack != 0")
	if len(acks) == 0 {
		t.Fatal("no SYN-ACK from the LAN host reached the client's TUN device")
	}
	for _, m := range acks {
		if m > maxMSS {
			t.Errorf("a SYN-ACK reached the client with MSS %d, above %d", m, maxMSS)
		}
	}
	t.Logf("MSS of %d SYNs on the LAN %v, of %d SYN-ACKs at the client %v (at most %d)", len(syns), syns, len(acks), acks, maxMSS)
	// Both MSS were larger where they were sent, so the engine lowered
	// them: without the clamp the test would fail.
	if m := inner.synMSS(lanSide + " and src host " + vip.String() + " and tcp[tcpflags] & tcp-ack == 0"); len(m) == 0 || m[0] <= maxMSS {
		t.Errorf("the client's stack sent SYNs with MSS %v; the test could not tell a clamp", m)
	}
	if m := lan.synMSS(lanSide + " and src host " + testnet.LANHostV4.String()); len(m) == 0 || m[0] <= maxMSS {
		t.Errorf("the LAN host sent SYN-ACKs with MSS %v; the test could not tell a clamp", m)
	}

	esp := outer.count("udp port 4500")
	frags := outer.lines("ip[6:2] & 0x3fff != 0")
	icmp := outer.lines("icmp[icmptype] == icmp-unreach and icmp[icmpcode] == 4")
	t.Logf("outer path: %d ESP-in-UDP packets, %d fragments, %d ICMP fragmentation needed", esp, len(frags), len(icmp))
	if esp < 1000 {
		t.Errorf("only %d ESP packets on the outer path: the capture missed the transfer", esp)
	}
	if len(frags) != 0 || len(icmp) != 0 {
		t.Errorf("fragments or ICMP fragmentation needed on the outer path:\n%s", strings.Join(append(frags, icmp...), "\n"))
	}

	r.h.MustCtl("down", "work")
	if d := before.Diff(r.state(t)); d != "" {
		t.Errorf("down left the system changed:\n%s", d)
	}
}
