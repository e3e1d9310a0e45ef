package bsd

import (
	"net/netip"
	"testing"

	"github.com/espressovpn/espresso/platform"
)

// TestTwoTunnelsKeepApart: two connections open at once each route their
// networks through their own device and have their own DNS; closing the
// first deletes only its routes and its DNS settings.
func TestTwoTunnelsKeepApart(t *testing.T) {
	eachOS(t, func(t *testing.T, g goldenOS, l Layout) {
		n, k, dns := newTestNetwork(t, g, t.TempDir())
		office, err := n.Open("office")
		if err != nil {
			t.Fatal(err)
		}
		lab, err := n.Open("lab")
		if err != nil {
			t.Fatal(err)
		}
		if err := office.Set(&platform.Config{
			VirtualIPs:      []netip.Prefix{pfx("10.3.0.1/32")},
			RemoteSelectors: []netip.Prefix{pfx("203.0.113.0/24")},
			Peer:            ip("192.0.2.7"),
			DNS:             platform.DNSConfig{Servers: []netip.Addr{ip("203.0.113.53")}, Domains: []string{"office.example"}},
		}); err != nil {
			t.Fatal(err)
		}
		if err := lab.Set(&platform.Config{
			VirtualIPs:      []netip.Prefix{pfx("10.4.0.1/32")},
			RemoteSelectors: []netip.Prefix{pfx("198.51.100.0/24")},
			Peer:            ip("192.0.2.9"),
			DNS:             platform.DNSConfig{Servers: []netip.Addr{ip("198.51.100.53")}, Domains: []string{"lab.example"}},
		}); err != nil {
			t.Fatal(err)
		}
		if len(k.devs) != 2 {
			t.Fatalf("%d devices, want one per connection", len(k.devs))
		}
		od, ld := k.devs[0], k.devs[1]
		sameMessages(t, "set both", k.takeWrites(), [][]byte{
			linkRoute(g, rtmAdd, pfx("203.0.113.0/24"), od),
			linkRoute(g, rtmAdd, pfx("198.51.100.0/24"), ld),
		})
		if len(dns.applied) != 2 || dns.applied[0].Device != od.name || dns.applied[1].Device != ld.name {
			t.Fatalf("dns applied %+v", dns.applied)
		}

		if err := office.Close(); err != nil {
			t.Fatal(err)
		}
		sameMessages(t, "close office", k.takeWrites(), [][]byte{
			linkRoute(g, rtmDelete, pfx("203.0.113.0/24"), od),
		})
		if !od.isClosed() || ld.isClosed() {
			t.Fatal("closing office should close its device only")
		}
		if len(dns.removed) != 1 || dns.removed[0].Device != od.name {
			t.Fatalf("dns removed %+v", dns.removed)
		}
		if l := lab.Links(); len(l) != 1 || l[0].Name != ld.name {
			t.Fatalf("lab's links after office closed: %+v", l)
		}
		if len(k.table) != 1 {
			t.Fatalf("%d routes left, want lab's one", len(k.table))
		}
		if err := lab.Close(); err != nil {
			t.Fatal(err)
		}
		if len(k.table) != 0 {
			t.Fatalf("%d routes left", len(k.table))
		}
	})
}
