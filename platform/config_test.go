package platform

import (
	"errors"
	"net/netip"
	"testing"
)

func pfx(s string) netip.Prefix { return netip.MustParsePrefix(s) }
func addr(s string) netip.Addr  { return netip.MustParseAddr(s) }

func TestWithDefaults(t *testing.T) {
	c := Config{RemoteSelectors: []netip.Prefix{pfx("10.1.2.3/16")}}.WithDefaults()
	if c.MTU != DefaultMTU || c.Table != DefaultTable || c.RulePriority != DefaultRulePriority {
		t.Fatalf("defaults not applied: mtu %d table %d prio %d", c.MTU, c.Table, c.RulePriority)
	}
	if c.RemoteSelectors[0] != pfx("10.1.0.0/16") {
		t.Fatalf("selector not masked: %s", c.RemoteSelectors[0])
	}
	kept := Config{MTU: 1300, Table: 100, RulePriority: 50}.WithDefaults()
	if kept.MTU != 1300 || kept.Table != 100 || kept.RulePriority != 50 {
		t.Fatalf("explicit values replaced: %+v", kept)
	}
}

func TestPeerExclusion(t *testing.T) {
	tests := []struct {
		name string
		peer string
		ts   []string
		want bool
	}{
		{"default route contains peer", "192.0.2.1", []string{"0.0.0.0/0"}, true},
		{"subnet contains peer", "192.0.2.1", []string{"192.0.2.0/24"}, true},
		{"disjoint", "192.0.2.1", []string{"198.51.100.0/24"}, false},
		{"equal is not excluded", "192.0.2.1", []string{"192.0.2.1/32"}, false},
		{"ipv6", "2001:db8::1", []string{"::/0"}, true},
		{"other family", "2001:db8::1", []string{"0.0.0.0/0"}, false},
	}
	t.Run("blocked contains peer", func(t *testing.T) {
		c := Config{Peer: addr("2001:db8::1"), RemoteSelectors: []netip.Prefix{pfx("0.0.0.0/0")}, Blocked: []netip.Prefix{pfx("::/0")}}
		if !c.NeedsPeerExclusion() {
			t.Fatal("a blocked ::/0 must not take the IPv6 gateway's path")
		}
		c.Blocked = []netip.Prefix{pfx("2001:db8::1/128")}
		if err := c.Validate(); err == nil {
			t.Fatal("Validate accepted blocking the gateway's own address")
		}
	})
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := Config{Peer: addr(tt.peer)}
			for _, s := range tt.ts {
				c.RemoteSelectors = append(c.RemoteSelectors, pfx(s))
			}
			if got := c.NeedsPeerExclusion(); got != tt.want {
				t.Fatalf("NeedsPeerExclusion = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestValidate(t *testing.T) {
	hop := NextHop{Gateway: addr("192.0.2.254"), Interface: "eth0"}
	tests := []struct {
		name    string
		cfg     Config
		wantErr any
	}{
		{"ok", Config{Peer: addr("192.0.2.1"), RemoteSelectors: []netip.Prefix{pfx("0.0.0.0/0")}, PeerNextHop: hop}, nil},
		{"peer selector refused", Config{Peer: addr("192.0.2.1"), RemoteSelectors: []netip.Prefix{pfx("192.0.2.1/32")}}, new(*PeerSelectorError)},
		{"peer selector without mark", Config{Peer: addr("192.0.2.1"), AllowPeerTS: true, RemoteSelectors: []netip.Prefix{pfx("192.0.2.1/32")}}, new(*ConfigError)},
		{"peer selector allowed", Config{Peer: addr("192.0.2.1"), AllowPeerTS: true, FwMark: 0x42, RemoteSelectors: []netip.Prefix{pfx("192.0.2.1/32")}}, nil},
		{"exclusion without next hop", Config{Peer: addr("192.0.2.1"), RemoteSelectors: []netip.Prefix{pfx("0.0.0.0/0")}}, new(*ConfigError)},
		{"tiny mtu", Config{MTU: 100}, new(*ConfigError)},
		{"ipv6 needs 1280", Config{MTU: 1000, VirtualIPs: []netip.Prefix{pfx("2001:db8::2/128")}}, new(*ConfigError)},
		{"invalid selector", Config{RemoteSelectors: []netip.Prefix{{}}}, new(*ConfigError)},
		{"empty domain", Config{DNS: DNSConfig{Domains: []string{""}}}, new(*ConfigError)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.cfg.Validate()
			switch target := tt.wantErr.(type) {
			case nil:
				if err != nil {
					t.Fatalf("Validate: %v", err)
				}
			case **PeerSelectorError:
				if !errors.As(err, target) {
					t.Fatalf("Validate = %v, want PeerSelectorError", err)
				}
			case **ConfigError:
				if !errors.As(err, target) {
					t.Fatalf("Validate = %v, want ConfigError", err)
				}
			}
		})
	}
}
