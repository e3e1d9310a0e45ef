package core

import (
	"fmt"
	"net/netip"
	"slices"
	"strings"
	"testing"

	"github.com/espressovpn/espresso/ipsec/ike/wire"
)

// TestCfgRequestAsksForDNSDomains: a request for a virtual address also
// asks for the domains the DNS servers answer for (RFC 8598 §4).
func TestCfgRequestAsksForDNSDomains(t *testing.T) {
	for _, cfg := range []Config{{VirtualIPv4: true}, {VirtualIPv6: true}, {VirtualIPv4: true, VirtualIPv6: true}} {
		c := cfgRequest(&cfg, nil)
		a, ok := c.Find(wire.InternalDNSDomain)
		if !ok || len(a.Value) != 0 {
			t.Errorf("%+v: request %v lacks an empty INTERNAL_DNS_DOMAIN", cfg, c.Attributes)
		}
	}
	if c := cfgRequest(&Config{}, nil); c != nil {
		t.Errorf("no virtual IP asked, yet a request %v", c.Attributes)
	}
}

// TestCfgReplyDNSDomains: the reply's domains are normalised and kept in
// order without duplicates; one that is no DNS name, or beyond
// wire.MaxDNSDomains, is skipped with a reason naming it, and the rest of
// the reply is still used.
func TestCfgReplyDNSDomains(t *testing.T) {
	reply := &wire.Configuration{ConfigType: wire.CFGReply, Attributes: []wire.ConfigAttribute{
		wire.AddrAttribute(wire.InternalIP4Address, netip.MustParseAddr("10.9.0.1")),
		wire.AddrAttribute(wire.InternalIP4DNS, netip.MustParseAddr("10.9.0.53")),
		wire.DNSDomainAttribute("Corp.Example."),
		wire.DNSDomainAttribute("bad domain;"),
		wire.DNSDomainAttribute("lab.example"),
		wire.DNSDomainAttribute("corp.example"),
		{Type: wire.InternalDNSDomain},
	}}
	r, err := cfgReply(reply)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(r.domains, []string{"corp.example", "lab.example"}) {
		t.Errorf("domains %q", r.domains)
	}
	if len(r.vips) != 1 || len(r.dns) != 1 {
		t.Errorf("vips %v dns %v", r.vips, r.dns)
	}
	if len(r.skipped) != 1 || !strings.Contains(r.skipped[0], "INTERNAL_DNS_DOMAIN") || !strings.Contains(r.skipped[0], `"bad domain;"`) {
		t.Errorf("skipped %q", r.skipped)
	}

	many := &wire.Configuration{ConfigType: wire.CFGReply}
	for i := range wire.MaxDNSDomains + 2 {
		many.Attributes = append(many.Attributes, wire.DNSDomainAttribute(fmt.Sprintf("d%d.example", i)))
	}
	r, err = cfgReply(many)
	if err != nil {
		t.Fatal(err)
	}
	if len(r.domains) != wire.MaxDNSDomains || len(r.skipped) != 2 || !strings.Contains(r.skipped[0], "more than") {
		t.Errorf("%d domains, skipped %q", len(r.domains), r.skipped)
	}
}

// TestAnswerCfgDNSDomains: a responder sends its domains only when asked.
func TestAnswerCfgDNSDomains(t *testing.T) {
	cfg := &Config{DNSDomains: []string{"corp.example"}}
	asked := cfgRequest(&Config{VirtualIPv4: true}, nil)
	reply, _ := AnswerCfg(cfg, asked)
	if a, ok := reply.Find(wire.InternalDNSDomain); !ok || string(a.Value) != "corp.example" {
		t.Errorf("reply %v", reply.Attributes)
	}
	notAsked := &wire.Configuration{ConfigType: wire.CFGRequest, Attributes: []wire.ConfigAttribute{{Type: wire.InternalIP4Address}}}
	reply, _ = AnswerCfg(cfg, notAsked)
	if _, ok := reply.Find(wire.InternalDNSDomain); ok {
		t.Errorf("domain sent unasked: %v", reply.Attributes)
	}
}
