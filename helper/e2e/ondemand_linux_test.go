package e2e

import (
	"encoding/json"
	"fmt"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/espressovpn/espresso/helper/api"
	"github.com/espressovpn/espresso/helper/e2e/lab"
	"github.com/espressovpn/espresso/platform/linux/testnet"
)

// TestOnDemand: `up` on an on-demand profile puts the routes in without
// negotiating; a ping alone then brings the tunnel up.
func TestOnDemand(t *testing.T) {
	r := newRig(t, false)
	p := lab.PSKProfile("ondemand")
	p.OnDemand = true
	r.h.Import(p)
	before := r.state(t)
	r.up(t, "ondemand")

	if sas := r.gw.ListSAs(); strings.Contains(sas, "ESTABLISHED") {
		t.Fatalf("negotiated before any traffic:\n%s", sas)
	}
	if routes := r.state(t)["routes4"]; !strings.Contains(routes, testnet.LANV4.String()) {
		t.Fatalf("no route for the LAN before the first packet:\n%s", routes)
	}

	// The first packet leaves with the physical address, before there is a
	// virtual IP, and is translated to it once the Child SA is up.
	if out, err := r.top.Client.Run("ping", "-c", "1", "-i", "0.5", "-w", "20", testnet.LANHostV4.String()); err != nil {
		t.Fatalf("ping did not bring the tunnel up: %v\n%s", err, out)
	}
	// The answer can come back before the helper has applied the new
	// IKE SA to its status.
	st := waitEstablished(t, r.h, "ondemand", "the status after the ping")
	if st.State != api.StateConnected || len(st.VirtualIPs) != 1 {
		t.Errorf("status after the ping: %+v", st)
	}
	if in, _ := testnet.ChildPackets(r.gw.ListSAs()); in == 0 {
		t.Errorf("the gateway's Child SA counted no packets:\n%s", r.gw.ListSAs())
	}

	r.h.MustCtl("down", "ondemand")
	if d := before.Diff(r.state(t)); d != "" {
		t.Errorf("down left the system changed:\n%s", d)
	}
}

// waitEstablished polls the status of the on-demand profile name, for at
// most 10 seconds, until it shows an established IKE SA: the packets
// held for it may be answered before the helper has applied it.
func waitEstablished(t *testing.T, h *lab.Helper, name, what string) api.ConnectionStatus {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		st, err := h.Status(name)
		if err == nil && st.EstablishedAt != nil {
			return st
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: no established IKE SA within 10s: %+v, %v\n%s", what, st, err, h.Log())
		}
	}
}

// tcpFirst opens one TCP connection from ns to the sink at dst (one
// Dial, which the kernel sends as one SYN and its own retransmissions
// only), sends size bytes and checks that the sink counted them. It
// returns the connection's local address, which shows what the system
// chose as source when the connection was opened.
func tcpFirst(ns *testnet.Namespace, dst netip.Addr, size int, timeout time.Duration) (netip.Addr, error) {
	var local netip.Addr
	err := ns.Do(func() error {
		d := net.Dialer{Timeout: timeout}
		c, err := d.Dial("tcp", netip.AddrPortFrom(dst, tcpSinkPort).String())
		if err != nil {
			return fmt.Errorf("connect: %w", err)
		}
		defer c.Close()
		local = c.LocalAddr().(*net.TCPAddr).AddrPort().Addr().Unmap()
		c.SetDeadline(time.Now().Add(timeout))
		return sendToSink(c, size)
	})
	return local, err
}

// addrs4 lists the IPv4 addresses of ns.
func addrs4(t *testing.T, ns *testnet.Namespace) string {
	t.Helper()
	out, err := ns.Run("ip", "-4", "-o", "addr", "show")
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// setRemembered replaces the virtual IPs the stopped helper h remembers
// for profile name (helper/session.AddressFile's format).
func setRemembered(t *testing.T, h *lab.Helper, name string, vip netip.Addr) {
	t.Helper()
	path := filepath.Join(h.StateDir, "session", "virtual-ips.json")
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	m := map[string]map[string]any{}
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	if m[name] == nil {
		t.Fatalf("nothing remembered for %s in %s", name, b)
	}
	m[name]["virtual_ips"] = []string{vip.String()}
	if b, err = json.Marshal(m); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
}

// TestOnDemandTCPFirstPacket: a TCP connection whose SYN is the very
// first packet into an on-demand tunnel completes and carries data:
//   - the first time, the system opens it from the physical address, as
//     there is no virtual IP yet; the engine translates its packets;
//   - after a restart of the helper, the virtual IP is remembered, on the
//     device before any negotiation and asked for again, and the
//     connection opens from it;
//   - when the gateway assigns another address than the remembered one,
//     the connection opened from the remembered one still works, and that
//     address stays on the device until the connection goes down.
func TestOnDemandTCPFirstPacket(t *testing.T) {
	r := newRig(t, false)
	startTCPSink(t, r.top.LAN, testnet.LANHostV4)
	p := lab.PSKProfile("ondemand")
	p.OnDemand = true
	r.h.Import(p)
	before := r.state(t)
	const size = 256 << 10

	// first runs one on-demand connection: up, the TCP connection as the
	// first packet, the status, down. It returns the virtual IP.
	first := func(what string, wantSource netip.Addr) netip.Addr {
		t.Helper()
		r.up(t, "ondemand")
		if sas := r.gw.ListSAs(); strings.Contains(sas, "ESTABLISHED") {
			t.Fatalf("%s: negotiated before any traffic:\n%s", what, sas)
		}
		if wantSource.IsValid() && wantSource != testnet.ClientV4 {
			if addrs := addrs4(t, r.top.Client); !strings.Contains(addrs, wantSource.String()+"/32") {
				t.Errorf("%s: %s not on the device while the trap waits:\n%s", what, wantSource, addrs)
			}
		}
		src, err := tcpFirst(r.top.Client, testnet.LANHostV4, size, 45*time.Second)
		if err != nil {
			t.Fatalf("%s: the TCP connection that started the tunnel failed: %v\n%s", what, err, r.h.Log())
		}
		if src != wantSource {
			t.Errorf("%s: the connection was opened from %s, want %s", what, src, wantSource)
		}
		st := waitEstablished(t, r.h, "ondemand", what+": the status")
		if st.State != api.StateConnected || len(st.VirtualIPs) != 1 {
			t.Fatalf("%s: status %+v", what, st)
		}
		vip, err := netip.ParseAddr(st.VirtualIPs[0])
		if err != nil {
			t.Fatal(err)
		}
		return vip
	}

	vip := first("first connection", testnet.ClientV4)
	r.h.MustCtl("down", "ondemand")

	r.h.Stop()
	r.h.Start()
	if got := first("remembered virtual IP", vip); got != vip {
		t.Errorf("the gateway assigned %s, then %s", vip, got)
	}
	r.h.MustCtl("down", "ondemand")

	// An address outside the gateway's pool: it assigns another.
	r.h.Stop()
	other := netip.MustParseAddr("198.18.1.200")
	setRemembered(t, r.h, "ondemand", other)
	r.h.Start()
	if got := first("another address assigned", other); got != vip {
		t.Errorf("the gateway assigned %s, want its lease %s", got, vip)
	}
	if addrs := addrs4(t, r.top.Client); !strings.Contains(addrs, vip.String()+"/32") || !strings.Contains(addrs, other.String()+"/32") {
		t.Errorf("want both the assigned %s and the remembered %s on the device:\n%s", vip, other, addrs)
	}
	r.h.MustCtl("down", "ondemand")
	if d := before.Diff(r.state(t)); d != "" {
		t.Errorf("down left the system changed:\n%s", d)
	}
}
