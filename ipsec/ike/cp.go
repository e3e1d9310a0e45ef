package ike

import (
	"net/netip"

	"github.com/espressovpn/espresso/ipsec/ike/wire"
)

// cfgRequest is the CFG_REQUEST of an initiator asking for virtual
// addresses and DNS servers (RFC 7296 §2.19, §3.15).
func cfgRequest(cfg *Config) *wire.Configuration {
	if !cfg.VirtualIPv4 && !cfg.VirtualIPv6 {
		return nil
	}
	c := &wire.Configuration{ConfigType: wire.CFGRequest}
	if cfg.VirtualIPv4 {
		c.Attributes = append(c.Attributes,
			wire.ConfigAttribute{Type: wire.InternalIP4Address},
			wire.ConfigAttribute{Type: wire.InternalIP4DNS})
	}
	if cfg.VirtualIPv6 {
		c.Attributes = append(c.Attributes,
			wire.ConfigAttribute{Type: wire.InternalIP6Address},
			wire.ConfigAttribute{Type: wire.InternalIP6DNS})
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
