package core

import (
	"fmt"
	"net/netip"
	"slices"

	"github.com/espressovpn/espresso/ipsec/ike/wire"
)

// cfgRequest is the CFG_REQUEST of an initiator asking for virtual
// addresses, DNS servers (RFC 7296 §2.19, §3.15) and the domains those
// servers answer for (INTERNAL_DNS_DOMAIN, RFC 8598 §4); the addresses in
// want, those of a reauthenticated SA or those the initiator had last
// time (Config.RequestVirtualIPs), are asked for by value, which §3.15.1
// allows as a hint.
func cfgRequest(cfg *Config, want []netip.Addr) *wire.Configuration {
	if !cfg.VirtualIPv4 && !cfg.VirtualIPv6 {
		return nil
	}
	c := &wire.Configuration{ConfigType: wire.CFGRequest}
	v4 := wire.ConfigAttribute{Type: wire.InternalIP4Address}
	v6 := wire.ConfigAttribute{Type: wire.InternalIP6Address}
	for _, a := range want {
		if a.Is4() {
			v4 = wire.AddrAttribute(wire.InternalIP4Address, a)
		} else {
			v6 = wire.PrefixAttribute(wire.InternalIP6Address, netip.PrefixFrom(a, a.BitLen()))
		}
	}
	if cfg.VirtualIPv4 {
		c.Attributes = append(c.Attributes, v4, wire.ConfigAttribute{Type: wire.InternalIP4DNS})
	}
	if cfg.VirtualIPv6 {
		c.Attributes = append(c.Attributes, v6, wire.ConfigAttribute{Type: wire.InternalIP6DNS})
	}
	c.Attributes = append(c.Attributes, wire.ConfigAttribute{Type: wire.InternalDNSDomain})
	return c
}

// cfgReplyData is what an initiator takes from a CFG_REPLY.
type cfgReplyData struct {
	vips, dns []netip.Addr
	// domains are the INTERNAL_DNS_DOMAIN names, checked and normalised
	// (wire.ParseDNSDomain), without duplicates.
	domains []string
	// skipped tells why attributes were left out; the caller logs it.
	skipped []string
}

// cfgReply reads the virtual addresses, DNS servers and DNS domains of a
// CFG_REPLY. Attributes we cannot read are skipped, as RFC 7296 §3.15.1
// allows. An address that is not unicast (see unicastReason) fails the
// reply with a *ConfigReplyError: it would be put on the TUN device or in
// the system's resolver configuration as it is. A domain that is no DNS
// name, or one beyond wire.MaxDNSDomains, is skipped with a reason: the
// connection works without it, only names under it stay on the local
// resolver.
func cfgReply(c *wire.Configuration) (cfgReplyData, error) {
	var r cfgReplyData
	if c == nil || c.ConfigType != wire.CFGReply {
		return r, nil
	}
	for _, a := range c.Attributes {
		var addr netip.Addr
		var ok bool
		var perr error
		switch a.Type {
		case wire.InternalIP4Address, wire.InternalIP4DNS, wire.InternalIP6DNS:
			addr, ok, perr = a.Addr()
		case wire.InternalIP6Address:
			var p netip.Prefix
			p, ok, perr = a.Prefix()
			addr = p.Addr()
		case wire.InternalDNSDomain:
			r.addDomain(a)
			continue
		default:
			continue
		}
		if perr != nil || !ok {
			continue
		}
		if reason := unicastReason(addr); reason != "" {
			return cfgReplyData{}, &ConfigReplyError{Attribute: a.Type, Addr: addr, Reason: reason}
		}
		if a.Type == wire.InternalIP4Address || a.Type == wire.InternalIP6Address {
			r.vips = append(r.vips, addr)
		} else {
			r.dns = append(r.dns, addr)
		}
	}
	return r, nil
}

// addDomain takes the domain of an INTERNAL_DNS_DOMAIN attribute, or
// notes why it is skipped.
func (r *cfgReplyData) addDomain(a wire.ConfigAttribute) {
	d, ok, err := a.DNSDomain()
	switch {
	case err != nil:
		r.skipped = append(r.skipped, fmt.Sprintf("%v: %v", a.Type, err))
	case !ok, slices.Contains(r.domains, d):
	case len(r.domains) == wire.MaxDNSDomains:
		r.skipped = append(r.skipped, fmt.Sprintf("%v %s: more than %d domains", a.Type, d, wire.MaxDNSDomains))
	default:
		r.domains = append(r.domains, d)
	}
}

// unicastReason says why a is no address for a virtual IP or a DNS
// server, or "" when it is a global unicast address (private IPv4 ranges
// and IPv6 unique local addresses included).
func unicastReason(a netip.Addr) string {
	switch {
	case a.IsUnspecified():
		return "the unspecified address"
	case a.IsLoopback():
		return "a loopback address"
	case a.IsMulticast():
		return "a multicast address"
	case a.IsLinkLocalUnicast():
		return "a link-local address"
	case a == netip.AddrFrom4([4]byte{255, 255, 255, 255}):
		return "the broadcast address"
	case a.Is4In6():
		return "an IPv4-mapped IPv6 address"
	case !a.IsGlobalUnicast():
		return "not a unicast address"
	}
	return ""
}

// ConfigReplyError reports an address in the gateway's configuration
// reply (RFC 7296 §3.15) that cannot be used: a virtual IP or a DNS
// server that is not a global unicast or unique local address.
type ConfigReplyError struct {
	Attribute wire.ConfigAttributeType
	Addr      netip.Addr
	Reason    string
}

func (e *ConfigReplyError) Error() string {
	return fmt.Sprintf("ike: the gateway assigned %v %s, which is %s; only unicast addresses are accepted", e.Attribute, e.Addr, e.Reason)
}

// AnswerCfg builds a responder's CFG_REPLY from its pools and DNS servers,
// returning the addresses handed out. Each pool serves one peer: the
// responder runs one connection, so it gives the address the peer asks
// for when that is a host address of the pool (RFC 7296 §3.15.1), and
// else its first host address.
func AnswerCfg(cfg *Config, req *wire.Configuration) (*wire.Configuration, []netip.Addr) {
	if req == nil || req.ConfigType != wire.CFGRequest {
		return nil, nil
	}
	reply := &wire.Configuration{ConfigType: wire.CFGReply}
	var vips []netip.Addr
	if attr, ok := req.Find(wire.InternalIP4Address); ok && cfg.Pool4.IsValid() {
		want, _, _ := attr.Addr()
		a := poolAddr(cfg.Pool4, want)
		vips = append(vips, a)
		reply.Attributes = append(reply.Attributes, wire.AddrAttribute(wire.InternalIP4Address, a))
	}
	if attr, ok := req.Find(wire.InternalIP6Address); ok && cfg.Pool6.IsValid() {
		want, _, _ := attr.Prefix()
		a := poolAddr(cfg.Pool6, want.Addr())
		vips = append(vips, a)
		reply.Attributes = append(reply.Attributes, wire.PrefixAttribute(wire.InternalIP6Address, netip.PrefixFrom(a, 128)))
	}
	for _, d := range cfg.DNS {
		t := wire.InternalIP4DNS
		if d.Is6() {
			t = wire.InternalIP6DNS
		}
		if _, ok := req.Find(t); ok {
			reply.Attributes = append(reply.Attributes, wire.AddrAttribute(t, d))
		}
	}
	if _, ok := req.Find(wire.InternalDNSDomain); ok {
		for _, d := range cfg.DNSDomains {
			reply.Attributes = append(reply.Attributes, wire.DNSDomainAttribute(d))
		}
	}
	return reply, vips
}

// poolAddr is want when it is a host address of pool, else pool's first.
func poolAddr(pool netip.Prefix, want netip.Addr) netip.Addr {
	first := pool.Masked().Addr().Next()
	if want.IsValid() && pool.Contains(want) && !want.Less(first) && unicastReason(want) == "" {
		return want
	}
	return first
}
