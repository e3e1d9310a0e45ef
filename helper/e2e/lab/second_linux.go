package lab

import (
	"net/netip"

	"github.com/espressovpn/espresso/helper/api"
	"github.com/espressovpn/espresso/platform/linux/testnet"
)

// The addresses of a SecondGateway: its outer address on a link of its
// own to the client, its LAN and the pool it hands out, all apart from
// the Topology's.
var (
	Gateway2V4 = netip.MustParseAddr("198.51.100.1")
	Client2V4  = netip.MustParseAddr("198.51.100.2")
	LAN2V4     = netip.MustParsePrefix("198.18.1.0/24")
	LAN2HostV4 = netip.MustParseAddr("198.18.1.10")
	Pool2V4    = netip.MustParsePrefix("198.18.2.0/24")
)

// SecondGateway is another strongSwan gateway beside a Topology's: its
// namespace joins the client's on the interface "eth1", and it serves
// the LAN LAN2V4 (in its own namespace, the host LAN2HostV4) with the
// same identities and connections as the first, handing out virtual IPs
// from Pool2V4. The client reaches LAN2V4 only through its tunnel.
type SecondGateway struct {
	*Gateway
	NS, LAN *testnet.Namespace
}

// StartSecondGateway builds the second gateway's namespaces beside top's
// and starts its charon.
func StartSecondGateway(t testnet.T, top *testnet.Topology) *SecondGateway {
	t.Helper()
	gw := testnet.NewNamespace(t, "gwb")
	lan := testnet.NewNamespace(t, "lanb")
	testnet.Link(t, top.Client, "eth1", gw, "wan")
	top.Client.Addr("eth1", Client2V4.String()+"/24")
	gw.Addr("wan", Gateway2V4.String()+"/24")
	testnet.Link(t, gw, "lan", lan, "eth0")
	gw.Addr("lan", "198.18.1.1/24")
	lan.Addr("eth0", LAN2HostV4.String()+"/24")
	lan.MustRun("ip", "route", "add", "default", "via", "198.18.1.1")
	gw.Forward()
	g := StartGatewayWith(t, &testnet.Topology{Gateway: gw}, func(c *testnet.CharonConfig) {
		for i := range c.Conns {
			c.Conns[i].LocalTS = []string{LAN2V4.String()}
		}
		c.PoolV4 = Pool2V4
		c.DNS = nil
	})
	return &SecondGateway{Gateway: g, NS: gw, LAN: lan}
}

// PSKProfile is a profile for the second gateway's "psk" connection,
// routing its LAN.
func (g *SecondGateway) PSKProfile(name string) api.Profile {
	p := PSKProfile(name)
	p.Gateway = Gateway2V4.String()
	p.RemoteTS = []string{LAN2V4.String()}
	return p
}
