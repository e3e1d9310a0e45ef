package ike_test

import (
	"errors"
	"net/netip"
	"slices"
	"strings"
	"testing"

	"github.com/espressovpn/espresso/ipsec/ike"
	"github.com/espressovpn/espresso/ipsec/ike/wire"
)

// TestConfigReplyRefusesNonUnicast is a gateway that assigns a virtual
// IP or a DNS server the client must not use as such: a loopback DNS
// server would send the user's look-ups to a local service, a multicast
// or link-local address would be put on the device. The client refuses
// the connection with an error naming the address; a private address and
// a unique local one are accepted.
func TestConfigReplyRefusesNonUnicast(t *testing.T) {
	for _, tc := range []struct {
		name  string
		pool  string
		dns   string
		v6    bool
		attr  wire.ConfigAttributeType
		bad   string
		allow bool
	}{
		{name: "loopback DNS", dns: "127.0.0.53", attr: wire.InternalIP4DNS, bad: "127.0.0.53"},
		{name: "multicast DNS", dns: "224.0.0.251", attr: wire.InternalIP4DNS, bad: "224.0.0.251"},
		{name: "link-local DNS", dns: "fe80::1", v6: true, attr: wire.InternalIP6DNS, bad: "fe80::1"},
		{name: "unspecified DNS", dns: "0.0.0.0", attr: wire.InternalIP4DNS, bad: "0.0.0.0"},
		{name: "broadcast DNS", dns: "255.255.255.255", attr: wire.InternalIP4DNS, bad: "255.255.255.255"},
		{name: "loopback address", pool: "127.0.0.0/24", attr: wire.InternalIP4Address, bad: "127.0.0.1"},
		{name: "link-local address", pool: "169.254.7.0/24", attr: wire.InternalIP4Address, bad: "169.254.7.1"},
		{name: "multicast address", pool: "239.1.1.0/24", attr: wire.InternalIP4Address, bad: "239.1.1.1"},
		{name: "private address and unique local DNS", pool: "10.9.0.0/24", dns: "fd00::53", v6: true, allow: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cli, gw := pskConfigs(t)
			if tc.pool != "" {
				gw.Pool4 = netip.MustParsePrefix(tc.pool)
			}
			if tc.dns != "" {
				gw.DNS = []netip.Addr{netip.MustParseAddr(tc.dns)}
			}
			if tc.v6 {
				cli.VirtualIPv6 = true
				gw.Pool6 = netip.MustParsePrefix("fd00:1::/64")
			}
			p := &pair{cliCfg: cli, gwCfg: gw}
			p.start(t)
			if tc.allow {
				next[*ike.Established](t, p.cli)
				return
			}
			err := next[*ike.Down](t, p.cli).Err
			var ce *ike.ConfigReplyError
			if !errors.As(err, &ce) || ce.Attribute != tc.attr || ce.Addr != netip.MustParseAddr(tc.bad) || !strings.Contains(err.Error(), tc.bad) {
				t.Fatalf("client: %v, want %v %s refused", err, tc.attr, tc.bad)
			}
		})
	}
}

// TestConfigReplyDNSDomains: the domains a gateway sends (RFC 8598) reach
// Established normalised; one that is no DNS name is left out, and the
// connection comes up without it.
func TestConfigReplyDNSDomains(t *testing.T) {
	cli, gw := pskConfigs(t)
	gw.DNSDomains = []string{"Corp.Example", "evil\nname", "lab.example."}
	p := &pair{cliCfg: cli, gwCfg: gw}
	p.start(t)
	ev := next[*ike.Established](t, p.cli)
	if !slices.Equal(ev.DNSDomains, []string{"corp.example", "lab.example"}) {
		t.Fatalf("domains %q", ev.DNSDomains)
	}
}

// TestRequestVirtualIPs: the addresses a client had last time are asked
// for by value in its CFG_REQUEST (RFC 7296 §3.15.1), and a gateway that
// can give them again does; the Child SA's local selector is narrowed to
// them. An address of a family not asked for, two of one family or one
// that is not unicast are refused before anything is sent.
func TestRequestVirtualIPs(t *testing.T) {
	want4 := netip.MustParseAddr("198.18.0.7")
	want6 := netip.MustParseAddr("fd00:1::7")
	cli, gw := pskConfigs(t)
	cli.VirtualIPv6 = true
	gw.Pool6 = netip.MustParsePrefix("fd00:1::/64")
	cli.RequestVirtualIPs = []netip.Addr{want4, want6}
	p := &pair{cliCfg: cli, gwCfg: gw}
	p.start(t)
	ev := next[*ike.Established](t, p.cli)
	if !slices.Equal(ev.VirtualIPs, []netip.Addr{want4, want6}) {
		t.Fatalf("virtual IPs %v, want %v and %v", ev.VirtualIPs, want4, want6)
	}
	if !slices.Contains(ev.Child.LocalTS, netip.PrefixFrom(want4, 32)) {
		t.Errorf("local selectors %v", ev.Child.LocalTS)
	}

	for _, bad := range [][]string{
		{"2001:db8::1"},              // no IPv6 asked for
		{"198.18.0.7", "198.18.0.8"}, // two of one family
		{"127.0.0.1"},                // loopback
	} {
		c, _ := pskConfigs(t)
		for _, a := range bad {
			c.RequestVirtualIPs = append(c.RequestVirtualIPs, netip.MustParseAddr(a))
		}
		if err := c.Validate(); err == nil || !strings.Contains(err.Error(), "requested virtual IP") {
			t.Errorf("%v: %v, want a refusal", bad, err)
		}
	}
}
