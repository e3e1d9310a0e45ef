package testnet

import (
	"net/netip"
)

// The addresses of a Topology. The gateway serves the LAN 203.0.113.0/24 and
// 2001:db8:2::/64 and hands out virtual IPs from PoolV4 and PoolV6.
var (
	GatewayV4 = netip.MustParseAddr("192.0.2.1")
	GatewayV6 = netip.MustParseAddr("2001:db8:1::1")
	// ClientV4 and ClientV6 are the client's outer addresses without a NAT; with one,
	// the client has ClientNATV4 and the gateway sees NATOutsideV4.
	ClientV4     = netip.MustParseAddr("192.0.2.2")
	ClientV6     = netip.MustParseAddr("2001:db8:1::2")
	ClientNATV4  = netip.MustParseAddr("198.51.100.2")
	NATInsideV4  = netip.MustParseAddr("198.51.100.1")
	NATOutsideV4 = netip.MustParseAddr("192.0.2.3")
	LANHostV4    = netip.MustParseAddr("203.0.113.10")
	LANHostV6    = netip.MustParseAddr("2001:db8:2::10")
	LANV4        = netip.MustParsePrefix("203.0.113.0/24")
	LANV6        = netip.MustParsePrefix("2001:db8:2::/64")
	PoolV4       = netip.MustParsePrefix("198.18.0.0/24")
	PoolV6       = netip.MustParsePrefix("2001:db8:ffff::/112")
	// DNSV4 is the DNS server the gateway announces to clients.
	DNSV4 = netip.MustParseAddr("203.0.113.53")
)

// Options shape a Topology.
type Options struct {
	// NAT puts a masquerading router between the client and the gateway.
	NAT bool
}

// Topology is client — [NAT —] gateway — LAN host, each in its own namespace.
// Interface names: the client's outer interface is "eth0"; the gateway's are
// "wan" and "lan"; the LAN host's "eth0".
type Topology struct {
	Client, Gateway, LAN *Namespace
	// NAT is nil without Options.NAT.
	NAT *Namespace
	// ClientAddr is the client's outer IPv4 address.
	ClientAddr netip.Addr
}

// NewTopology builds the namespaces and links of a test network. The client has
// a default route towards the gateway (through the NAT when there is one), and
// the LAN host routes everything back through the gateway, so replies to the
// virtual IPs reach it.
func NewTopology(t T, opt Options) *Topology {
	t.Helper()
	RequireRoot(t)
	top := &Topology{
		Client:  NewNamespace(t, "cli"),
		Gateway: NewNamespace(t, "gw"),
		LAN:     NewNamespace(t, "lan"),
	}
	Link(t, top.Gateway, "lan", top.LAN, "eth0")
	top.Gateway.Addr("lan", "203.0.113.1/24", "2001:db8:2::1/64")
	top.LAN.Addr("eth0", LANHostV4.String()+"/24", LANHostV6.String()+"/64")
	top.LAN.MustRun("ip", "route", "add", "default", "via", "203.0.113.1")
	top.LAN.MustRun("ip", "-6", "route", "add", "default", "via", "2001:db8:2::1")
	top.Gateway.Forward()

	if !opt.NAT {
		Link(t, top.Client, "eth0", top.Gateway, "wan")
		top.Gateway.Addr("wan", GatewayV4.String()+"/24", GatewayV6.String()+"/64")
		top.Client.Addr("eth0", ClientV4.String()+"/24", ClientV6.String()+"/64")
		top.Client.MustRun("ip", "route", "add", "default", "via", GatewayV4.String())
		top.Client.MustRun("ip", "-6", "route", "add", "default", "via", GatewayV6.String())
		top.ClientAddr = ClientV4
		return top
	}
	top.NAT = NewNamespace(t, "nat")
	Link(t, top.Client, "eth0", top.NAT, "in")
	Link(t, top.NAT, "out", top.Gateway, "wan")
	top.Client.Addr("eth0", ClientNATV4.String()+"/24")
	top.NAT.Addr("in", NATInsideV4.String()+"/24")
	top.NAT.Addr("out", NATOutsideV4.String()+"/24")
	top.Gateway.Addr("wan", GatewayV4.String()+"/24")
	top.Client.MustRun("ip", "route", "add", "default", "via", NATInsideV4.String())
	top.NAT.Forward()
	top.NAT.MustRun("nft", "add table ip nat")
	top.NAT.MustRun("nft", "add chain ip nat post { type nat hook postrouting priority 100 ; }")
	top.NAT.MustRun("nft", "add rule ip nat post oifname out masquerade")
	top.ClientAddr = ClientNATV4
	return top
}
