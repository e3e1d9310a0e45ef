package ike_test

import (
	"github.com/espressovpn/espresso/ipsec/socket/sockettest"
	"net/netip"
	"testing"
	"time"

	"github.com/espressovpn/espresso/ipsec/esp"
	"github.com/espressovpn/espresso/ipsec/ike"
	"github.com/espressovpn/espresso/ipsec/ike/internal/core"
	"github.com/espressovpn/espresso/ipsec/ike/wire"
	"github.com/espressovpn/espresso/ipsec/spd"
	"github.com/espressovpn/espresso/ipsec/suite"
)

func tsOf(proto uint8, lo, hi uint16, p string) wire.TrafficSelector {
	ts := wire.SelectorFromPrefix(netip.MustParsePrefix(p))
	ts.IPProtocol, ts.StartPort, ts.EndPort = proto, lo, hi
	return ts
}

// TestPolicySelectorsKeepProtocolAndPorts checks the data path's selectors
// of a Child SA: the negotiated protocol and ports stay, a pair whose
// protocols differ is left out, and ICMP's type and code ranges are not
// taken for ports.
func TestPolicySelectorsKeepProtocolAndPorts(t *testing.T) {
	got := core.PolicySelectors(
		[]wire.TrafficSelector{tsOf(17, 53, 53, "198.18.0.1/32"), tsOf(6, 0, 65535, "198.18.0.1/32"), tsOf(1, 0x0800, 0x08ff, "198.18.0.1/32")},
		[]wire.TrafficSelector{tsOf(17, 0, 65535, "203.0.113.0/24"), tsOf(0, 0, 65535, "2001:db8::/32")},
	)
	local, remote := netip.MustParsePrefix("198.18.0.1/32"), netip.MustParsePrefix("203.0.113.0/24")
	want := []spd.Selector{{Local: local, Remote: remote, Proto: 17, LocalPorts: spd.PortRange{Lo: 53, Hi: 53}, RemotePorts: spd.PortRange{Lo: 0, Hi: 65535}}}
	if len(got) != len(want) || got[0] != want[0] {
		t.Fatalf("selectors %+v, want %+v", got, want)
	}
	icmp := core.PolicySelectors([]wire.TrafficSelector{tsOf(1, 0x0800, 0x08ff, "198.18.0.1/32")}, []wire.TrafficSelector{tsOf(0, 0, 65535, "203.0.113.0/24")})
	if len(icmp) != 1 || icmp[0].Proto != 1 || !icmp[0].LocalPorts.Any() {
		t.Errorf("ICMP selectors %+v", icmp)
	}
}

// TestEngineChecksInboundProtocolAndPorts is a gateway sending, through a
// Child SA negotiated for UDP to the client's port 53 only, UDP to
// another port: the client's engine drops it as outside the SA's policy
// (RFC 4301 §5.2 step 4) instead of delivering it because its addresses
// match; UDP to port 53 is delivered.
func TestEngineChecksInboundProtocolAndPorts(t *testing.T) {
	cliAP, gwAP := netip.AddrPortFrom(clientAddr, 4500), netip.AddrPortFrom(gatewayAddr, 4500)
	cu, gu := sockettest.Pipe(cliAP, gwAP, 4096, 16)
	cli, gw := newMemEngine(t, cu), newMemEngine(t, gu)
	gcm := suite.Transform{Type: suite.TypeEncr, ID: suite.EncrAESGCM16, KeyBits: 128}
	toCli := esp.Params{SPI: 0x1001, Encr: gcm, EncrKey: make([]byte, 20)}
	toGw := esp.Params{SPI: 0x2002, Encr: gcm, EncrKey: make([]byte, 20)}
	vip, lan := netip.MustParsePrefix("198.18.0.1/32"), netip.MustParsePrefix("203.0.113.0/24")
	cliSA := &ike.ChildSA{
		ReqID: 1, Inbound: toCli, Outbound: toGw, Encap: true, Local: cliAP, Remote: gwAP,
		LocalTS: []netip.Prefix{vip}, RemoteTS: []netip.Prefix{lan},
		Selectors: core.PolicySelectors([]wire.TrafficSelector{tsOf(17, 53, 53, vip.String())}, []wire.TrafficSelector{tsOf(17, 0, 65535, lan.String())}),
	}
	gwSA := &ike.ChildSA{
		ReqID: 1, Inbound: toGw, Outbound: toCli, Encap: true, Local: gwAP, Remote: cliAP,
		LocalTS: []netip.Prefix{lan}, RemoteTS: []netip.Prefix{vip},
	}
	for _, x := range []struct {
		m  *memEngine
		sa *ike.ChildSA
	}{{cli, cliSA}, {gw, gwSA}} {
		dp := ike.NewEngineDataPath(x.m.e)
		if err := dp.AddInbound(x.sa); err != nil {
			t.Fatal(err)
		}
		if err := dp.SetOutbound(x.sa, 0); err != nil {
			t.Fatal(err)
		}
	}
	src := netip.MustParseAddr("203.0.113.5")
	attack := udp4(src, vip.Addr(), 1, 64) // to port 9
	gw.dev.Inject(attack)
	deadline := time.Now().Add(eventWait)
	for cli.drops()["policy"] == 0 {
		select {
		case p := <-cli.dev.Received():
			t.Fatalf("UDP to port 9 delivered through an SA for port 53 (seq %d)", seqOf(p))
		case <-time.After(10 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("no policy drop within %v; drops %v, gateway drops %v", eventWait, cli.drops(), gw.drops())
		}
	}
	allowed := udp4(src, vip.Addr(), 2, 64)
	allowed[22], allowed[23] = 0, 53
	gw.dev.Inject(allowed)
	select {
	case p := <-cli.dev.Received():
		if seqOf(p) != 2 {
			t.Errorf("delivered seq %d, want 2", seqOf(p))
		}
	case <-time.After(eventWait):
		t.Fatalf("UDP to port 53 not delivered; drops %v", cli.drops())
	}
}
