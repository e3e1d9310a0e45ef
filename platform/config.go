package platform

import (
	"net/netip"
	"slices"
)

// Defaults applied by Config.WithDefaults.
const (
	// DefaultMTU leaves room for the ESP, UDP and outer IP headers inside a
	// 1500-byte path.
	DefaultMTU = 1400
	// DefaultTable is the routing table the remote selectors go into on
	// Linux, the one strongSwan uses.
	DefaultTable = 220
	// DefaultRulePriority is the priority of the policy rule that selects
	// DefaultTable on Linux, again strongSwan's.
	DefaultRulePriority = 220
)

// Config is the OS state one connection wants. A zero Config wants nothing:
// applying it removes what an earlier Config installed.
type Config struct {
	// VirtualIPs are the inner addresses the gateway assigned in its
	// configuration payload (RFC 7296 §3.15), usually host prefixes such as
	// 10.3.0.1/32. Empty before the IKE_AUTH exchange of an on-demand
	// connection: the routes then go in without a source address so that the
	// first packet reaches the TUN device and starts the negotiation.
	VirtualIPs []netip.Prefix

	// RemoteSelectors are the remote traffic selectors (RFC 7296 §3.13),
	// expressed as prefixes; traffic to them is routed into the tunnel.
	RemoteSelectors []netip.Prefix

	// Exclude lists destinations that never go through the tunnel even when
	// a remote selector covers them.
	Exclude []netip.Prefix

	// Blocked are prefixes the profile asked to tunnel that the gateway
	// did not grant (a family it assigned no selector for, or the part of
	// a wider prefix outside the narrower selectors it agreed to). They
	// are refused with reject (unreachable) routes instead of going out
	// in the clear; the remote selectors, being more specific, still win
	// for what was granted, and Exclude and the peer still leave outside.
	Blocked []netip.Prefix

	// Peer is the IKE peer's (the gateway's) outer address.
	Peer netip.Addr

	// PeerNextHop is how Peer was reached before the tunnel came up, as
	// Network.RouteTo reported it. It is required when NeedsPeerExclusion
	// is true: the exclusion route sends IKE and ESP to the peer over that
	// original path so they never loop into the tunnel.
	PeerNextHop NextHop

	// AllowPeerTS accepts a remote selector equal to Peer. The IKE and ESP
	// sockets then carry FwMark and the policy rule skips marked packets.
	// On Linux this needs net.ipv4.conf.*.rp_filter set to 2 (loose) or 0,
	// since replies from the peer arrive on an interface that is not the
	// route back to it in the main table.
	AllowPeerTS bool

	// FwMark, when non-zero, is the mark (SO_MARK) the IKE and ESP sockets
	// carry; the policy rule then skips packets with this mark.
	FwMark uint32

	// MTU of the TUN device(s); zero means DefaultMTU.
	MTU int

	// Table is the routing table for the remote selectors (Linux); zero
	// means the Tunnel's own: DefaultTable for the first connection, the
	// next free number for each one open at the same time, so that each
	// connection's routes and rule stay apart from the others'.
	Table int

	// RulePriority is the priority of the policy rule selecting Table
	// (Linux); zero means DefaultRulePriority.
	RulePriority int

	// DNS holds the resolvers and search domains the gateway handed out.
	DNS DNSConfig

	// KillSwitch keeps traffic to the remote selectors from leaking out of
	// the tunnel while the tunnel device is missing, for example between a
	// crash of the helper and its restart.
	KillSwitch bool
}

// DNSConfig is the resolver configuration for a connection.
type DNSConfig struct {
	// Servers are the resolvers, from the INTERNAL_IP4_DNS and
	// INTERNAL_IP6_DNS attributes (RFC 7296 §3.15.1).
	Servers []netip.Addr
	// Domains are search domains (RFC 8598 INTERNAL_DNS_DOMAIN).
	Domains []string
}

// IsZero reports whether d asks for no DNS change at all.
func (d DNSConfig) IsZero() bool {
	return len(d.Servers) == 0 && len(d.Domains) == 0
}

// Equal reports whether d and o ask for the same DNS configuration.
func (d DNSConfig) Equal(o DNSConfig) bool {
	return slices.Equal(d.Servers, o.Servers) && slices.Equal(d.Domains, o.Domains)
}

// WithDefaults returns a copy of c with zero MTU, Table and RulePriority
// replaced by their defaults and every prefix masked to its network.
func (c Config) WithDefaults() Config {
	if c.MTU == 0 {
		c.MTU = DefaultMTU
	}
	if c.Table == 0 {
		c.Table = DefaultTable
	}
	if c.RulePriority == 0 {
		c.RulePriority = DefaultRulePriority
	}
	c.RemoteSelectors = maskAll(c.RemoteSelectors)
	c.Exclude = maskAll(c.Exclude)
	c.Blocked = maskAll(c.Blocked)
	return c
}

func maskAll(ps []netip.Prefix) []netip.Prefix {
	if ps == nil {
		return nil
	}
	out := make([]netip.Prefix, len(ps))
	for i, p := range ps {
		out[i] = p.Masked()
	}
	return out
}

// NeedsPeerExclusion reports whether a remote selector or a blocked
// prefix contains the peer without being equal to it, so that an
// exclusion route must keep the peer reachable outside the tunnel (as
// kernel-libipsec does).
func (c *Config) NeedsPeerExclusion() bool {
	if !c.Peer.IsValid() {
		return false
	}
	for _, s := range c.RemoteSelectors {
		if s.Contains(c.Peer) && !isHostPrefixOf(s, c.Peer) {
			return true
		}
	}
	for _, b := range c.Blocked {
		if b.Contains(c.Peer.Unmap()) {
			return true
		}
	}
	return false
}

// RoutedFamilies returns the address families (true for IPv4) that
// carry remote selectors or blocked prefixes: those that get Espresso's
// routes and policy rule.
func (c *Config) RoutedFamilies() map[bool]bool {
	f := map[bool]bool{}
	for _, s := range c.RemoteSelectors {
		f[s.Addr().Is4()] = true
	}
	for _, b := range c.Blocked {
		f[b.Addr().Is4()] = true
	}
	return f
}

// PeerSelector returns the remote selector equal to the peer's address, if
// there is one.
func (c *Config) PeerSelector() (netip.Prefix, bool) {
	if !c.Peer.IsValid() {
		return netip.Prefix{}, false
	}
	for _, s := range c.RemoteSelectors {
		if isHostPrefixOf(s, c.Peer) {
			return s, true
		}
	}
	return netip.Prefix{}, false
}

func isHostPrefixOf(p netip.Prefix, a netip.Addr) bool {
	return p.IsSingleIP() && p.Addr() == a.Unmap()
}

// Validate checks the rules every implementation enforces before touching
// the system.
func (c *Config) Validate() error {
	if c.MTU < 0 || (c.MTU != 0 && c.MTU < 576) || c.MTU > 65535 {
		// 576 is the smallest datagram every IPv4 host must accept
		// (RFC 791); IPv6 needs 1280 (RFC 8200 §5), checked below.
		return &ConfigError{Field: "mtu", Reason: "outside 576..65535"}
	}
	for _, v := range c.VirtualIPs {
		if !v.IsValid() {
			return &ConfigError{Field: "virtual_ips", Reason: "invalid prefix"}
		}
		if v.Addr().Is6() && c.MTU != 0 && c.MTU < 1280 {
			return &ConfigError{Field: "mtu", Reason: "below 1280 with an IPv6 virtual IP"}
		}
	}
	for _, s := range c.RemoteSelectors {
		if !s.IsValid() {
			return &ConfigError{Field: "remote_ts", Reason: "invalid prefix"}
		}
	}
	for _, s := range c.Exclude {
		if !s.IsValid() {
			return &ConfigError{Field: "exclude", Reason: "invalid prefix"}
		}
	}
	for _, b := range c.Blocked {
		if !b.IsValid() {
			return &ConfigError{Field: "blocked", Reason: "invalid prefix"}
		}
		if c.Peer.IsValid() && isHostPrefixOf(b, c.Peer) {
			return &ConfigError{Field: "blocked", Reason: "blocks the gateway's own address"}
		}
	}
	if s, ok := c.PeerSelector(); ok {
		if !c.AllowPeerTS {
			return &PeerSelectorError{Peer: c.Peer, Selector: s}
		}
		if c.FwMark == 0 {
			return &ConfigError{Field: "fwmark", Reason: "required when allow_peer_ts routes the gateway's own address"}
		}
	}
	if c.NeedsPeerExclusion() && !c.PeerNextHop.IsValid() {
		return &ConfigError{Field: "peer_next_hop", Reason: "unknown, but a remote selector contains the gateway"}
	}
	for _, d := range c.DNS.Domains {
		if d == "" {
			return &ConfigError{Field: "dns", Reason: "empty search domain"}
		}
	}
	return nil
}
