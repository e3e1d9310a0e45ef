package interop

import (
	"errors"
	"fmt"
	"net/netip"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/espressovpn/espresso/ipsec/ike"
	"github.com/espressovpn/espresso/platform/linux/testnet"
)

// clientV4Moved is the client's address after its network changed.
var clientV4Moved = netip.MustParseAddr("192.0.2.20")

// gatewaySA is what `swanctl --list-sas` on the gateway says of the IKE SA
// and its Child SA.
type gatewaySA struct {
	ikeSPIs string         // "<spi_i>_i <spi_r>_r"
	remote  netip.AddrPort // the client's IKE endpoint
	childIn string         // the gateway's inbound ESP SPI
}

var (
	ikeSPIsRE = regexp.MustCompile(`([0-9a-f]{16}_i)\*? ([0-9a-f]{16}_r)`)
	remoteRE  = regexp.MustCompile(`remote '[^']*' @ ([0-9a-f.:]+)\[(\d+)\]`)
	childInRE = regexp.MustCompile(`\n\s+in\s+([0-9a-f]{8}),`)
)

func parseGatewaySA(sas string) (gatewaySA, error) {
	var g gatewaySA
	if m := ikeSPIsRE.FindStringSubmatch(sas); m != nil {
		g.ikeSPIs = m[1] + " " + m[2]
	}
	if m := remoteRE.FindStringSubmatch(sas); m != nil {
		g.remote, _ = netip.ParseAddrPort(m[1] + ":" + m[2])
	}
	if m := childInRE.FindStringSubmatch(sas); m != nil {
		g.childIn = m[1]
	}
	if g.ikeSPIs == "" || !g.remote.IsValid() || g.childIn == "" {
		return g, errors.New("no IKE SA with a Child SA listed")
	}
	return g, nil
}

// TestMOBIKE moves the client to a new address under an established
// tunnel: after PathChanged, strongSwan lists the same IKE SA (same SPIs)
// with the client's new address, and pings still flow through the tunnel
// (RFC 4555 §3.5). strongSwan announces MOBIKE by default.
func TestMOBIKE(t *testing.T) {
	top, gw, c, est := pskTunnel(t, gatewayConn("psk"))
	before, err := parseGatewaySA(gw.ListSAs())
	if err != nil {
		t.Fatalf("%v:\n%s", err, gw.ListSAs())
	}
	if before.remote != netip.AddrPortFrom(testnet.ClientV4, 4500) {
		t.Fatalf("gateway sees the client at %v, want %v:4500", before.remote, testnet.ClientV4)
	}

	// The new address comes, then the old one goes; the route to the
	// gateway stays, now with the new source.
	top.Client.MustRun("sysctl", "-qw", "net.ipv4.conf.eth0.promote_secondaries=1")
	top.Client.MustRun("ip", "addr", "add", clientV4Moved.String()+"/24", "dev", "eth0")
	top.Client.MustRun("ip", "addr", "del", testnet.ClientV4.String()+"/24", "dev", "eth0")
	top.Client.MustRun("ip", "route", "replace", "default", "via", testnet.GatewayV4.String())
	c.d.PathChanged(clientV4Moved)
	mv := next[*ike.Moved](t, c, 20*time.Second)
	if mv.Local.Addr() != clientV4Moved {
		t.Fatalf("moved to %v, want %v", mv.Local, clientV4Moved)
	}

	var after gatewaySA
	for range 50 {
		if after, err = parseGatewaySA(gw.ListSAs()); err == nil && after.remote.Addr() == clientV4Moved {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	sas := gw.ListSAs()
	if after.remote != netip.AddrPortFrom(clientV4Moved, 4500) {
		t.Fatalf("gateway sees the client at %v after the move:\n%s", after.remote, sas)
	}
	if after.ikeSPIs != before.ikeSPIs || strings.Count(sas, "ESTABLISHED") != 1 {
		t.Fatalf("the gateway's IKE SA changed (%s, was %s):\n%s", after.ikeSPIs, before.ikeSPIs, sas)
	}
	if after.childIn != before.childIn || after.childIn != fmt.Sprintf("%08x", est.Child.OutSPI) {
		t.Fatalf("the Child SA changed (gateway inbound SPI %s, was %s, ours out %08x):\n%s", after.childIn, before.childIn, est.Child.OutSPI, sas)
	}
	c.ping(t, 2)
	if in, _ := testnet.ChildPackets(gw.ListSAs()); in < 2 {
		t.Fatalf("the gateway's Child SA did not count the ping from the new address:\n%s", gw.ListSAs())
	}
	t.Logf("IKE SA %s moved from %v to %v", after.ikeSPIs, before.remote, after.remote)
}

// TestMOBIKEDisabledAtGateway: a gateway with mobike = no cannot follow a
// new client address; the client reports ErrMOBIKEUnsupported, for its
// owner to connect again.
func TestMOBIKEDisabledAtGateway(t *testing.T) {
	conn := gatewayConn("psk")
	conn.Extra = append(conn.Extra, "mobike = no")
	top, _, c, _ := pskTunnel(t, conn)
	top.Client.MustRun("sysctl", "-qw", "net.ipv4.conf.eth0.promote_secondaries=1")
	top.Client.MustRun("ip", "addr", "add", clientV4Moved.String()+"/24", "dev", "eth0")
	top.Client.MustRun("ip", "addr", "del", testnet.ClientV4.String()+"/24", "dev", "eth0")
	top.Client.MustRun("ip", "route", "replace", "default", "via", testnet.GatewayV4.String())
	c.d.PathChanged(clientV4Moved)
	if d := next[*ike.Down](t, c, 10*time.Second); !errors.Is(d.Err, ike.ErrMOBIKEUnsupported) {
		t.Fatalf("client down: %v", d.Err)
	}
}
