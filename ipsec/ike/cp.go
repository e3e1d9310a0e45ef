package ike

import (
	"net/netip"

	"github.com/espressovpn/espresso/ipsec/ike/wire"
)

// cfgRequest is the CFG_REQUEST of an initiator asking for virtual
// addresses and DNS servers (RFC 7296 §2.19, §3.15); the addresses in
// want, those of a reauthenticated SA, are asked for by value, which
// §3.15.1 allows as a hint.
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
	return c
}

// cfgReply reads the virtual addresses and DNS servers of a CFG_REPLY.
// Attributes we cannot read are skipped, as RFC 7296 §3.15.1 allows.
func cfgReply(c *wire.Configuration) (vips, dns []netip.Addr) {
	if c == nil || c.ConfigType != wire.CFGReply {
		return nil, nil
	}
	for _, a := range c.Attributes {
		switch a.Type {
		case wire.InternalIP4Address:
			if addr, ok, err := a.Addr(); err == nil && ok && !addr.IsUnspecified() {
				vips = append(vips, addr)
			}
		case wire.InternalIP6Address:
			if p, ok, err := a.Prefix(); err == nil && ok && !p.Addr().IsUnspecified() {
				vips = append(vips, p.Addr())
			}
		case wire.InternalIP4DNS, wire.InternalIP6DNS:
			if addr, ok, err := a.Addr(); err == nil && ok {
				dns = append(dns, addr)
			}
		}
	}
	return vips, dns
}

// answerCfg builds a responder's CFG_REPLY from its pools and DNS servers,
// returning the addresses handed out. Each pool serves one peer: the
// responder runs one connection, so its first host address is given.
func answerCfg(cfg *Config, req *wire.Configuration) (*wire.Configuration, []netip.Addr) {
	if req == nil || req.ConfigType != wire.CFGRequest {
		return nil, nil
	}
	reply := &wire.Configuration{ConfigType: wire.CFGReply}
	var vips []netip.Addr
	if _, ok := req.Find(wire.InternalIP4Address); ok && cfg.Pool4.IsValid() {
		a := cfg.Pool4.Masked().Addr().Next()
		vips = append(vips, a)
		reply.Attributes = append(reply.Attributes, wire.AddrAttribute(wire.InternalIP4Address, a))
	}
	if _, ok := req.Find(wire.InternalIP6Address); ok && cfg.Pool6.IsValid() {
		a := cfg.Pool6.Masked().Addr().Next()
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
	return reply, vips
}
