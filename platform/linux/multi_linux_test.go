package linux

import (
	"net/netip"
	"slices"
	"strings"
	"testing"

	"github.com/espressovpn/espresso/platform"
)

// TestTwoTunnelsKeepApart: two connections open at once each have a
// routing table and a rule of their own and their own lines in the
// resolver file; ending the first removes only what it installed.
func TestTwoTunnelsKeepApart(t *testing.T) {
	e := newEnv(t, DNSFile)
	office, err := e.net.Open("office")
	if err != nil {
		t.Fatal(err)
	}
	lab, err := e.net.Open("lab")
	if err != nil {
		t.Fatal(err)
	}
	if err := office.Set(&platform.Config{
		VirtualIPs:      []netip.Prefix{pfx("198.18.0.1/32")},
		RemoteSelectors: []netip.Prefix{pfx("203.0.113.0/24")},
		Peer:            ip("192.0.2.1"),
		DNS:             platform.DNSConfig{Servers: []netip.Addr{ip("203.0.113.53")}, Domains: []string{"office.example"}},
	}); err != nil {
		t.Fatal(err)
	}
	if err := lab.Set(&platform.Config{
		VirtualIPs:      []netip.Prefix{pfx("198.18.1.1/32")},
		RemoteSelectors: []netip.Prefix{pfx("198.51.100.0/24")},
		Peer:            ip("192.0.2.129"),
		DNS:             platform.DNSConfig{Servers: []netip.Addr{ip("198.51.100.53")}, Domains: []string{"lab.example"}},
	}); err != nil {
		t.Fatal(err)
	}
	set := e.k.take()
	for _, want := range []string{
		"route replace unicast 203.0.113.0/24 dev espresso0 src 198.18.0.1 table 220 scope link proto static",
		"rule add -inet lookup 220 pref 220",
		"route replace unicast 198.51.100.0/24 dev espresso1 src 198.18.1.1 table 221 scope link proto static",
		"rule add -inet lookup 221 pref 220",
	} {
		if !slices.Contains(set, want) {
			t.Errorf("missing %q in\n%s", want, strings.Join(set, "\n"))
		}
	}
	both := e.resolvConf(t)
	for _, want := range []string{"nameserver 203.0.113.53\nnameserver 198.51.100.53\nnameserver 192.0.2.53\n", "search office.example lab.example lan.example\n"} {
		if !strings.Contains(both, want) {
			t.Errorf("resolv.conf with both lacks %q:\n%s", want, both)
		}
	}

	if err := office.Close(); err != nil {
		t.Fatal(err)
	}
	closed := e.k.take()
	for _, c := range closed {
		if strings.Contains(c, "table 221") || strings.Contains(c, "lookup 221") || strings.Contains(c, "espresso1") {
			t.Errorf("closing office touched lab's: %s", c)
		}
	}
	if !slices.Contains(closed, "rule del -inet lookup 220 pref 220") {
		t.Errorf("office's rule stayed:\n%s", strings.Join(closed, "\n"))
	}
	left := e.resolvConf(t)
	if strings.Contains(left, "203.0.113.53") || strings.Contains(left, "office.example") ||
		!strings.Contains(left, "nameserver 198.51.100.53\nnameserver 192.0.2.53\n") || !strings.Contains(left, "search lab.example lan.example\n") {
		t.Errorf("resolv.conf after office ended:\n%s", left)
	}

	// A third connection takes the table office left.
	third, err := e.net.Open("third")
	if err != nil {
		t.Fatal(err)
	}
	if err := third.Set(&platform.Config{RemoteSelectors: []netip.Prefix{pfx("192.0.2.128/26")}}); err != nil {
		t.Fatal(err)
	}
	if got := e.k.take(); !slices.Contains(got, "rule add -inet lookup 220 pref 220") {
		t.Errorf("third's table:\n%s", strings.Join(got, "\n"))
	}
	if err := third.Close(); err != nil {
		t.Fatal(err)
	}
	if err := lab.Close(); err != nil {
		t.Fatal(err)
	}
	if got := e.resolvConf(t); got != e.origConf {
		t.Errorf("resolv.conf not restored after the last connection:\n%s", got)
	}
	if got := len(e.records(t)); got != 0 {
		t.Errorf("%d state records left", got)
	}
}

// TestResolvConfRecoverKeepsLive: undoing a crashed run's record leaves
// the resolver lines of a connection that is up.
func TestResolvConfRecoverKeepsLive(t *testing.T) {
	e := newEnv(t, DNSFile)
	stale, err := e.net.Open("stale")
	if err != nil {
		t.Fatal(err)
	}
	if err := stale.Set(&platform.Config{DNS: platform.DNSConfig{Servers: []netip.Addr{ip("198.51.100.53")}}}); err != nil {
		t.Fatal(err)
	}
	// The helper dies with stale up; a new one starts a connection
	// before it undoes the old record.
	n := e.newNetwork(t, DNSFile)
	live, err := n.Open("live")
	if err != nil {
		t.Fatal(err)
	}
	if err := live.Set(&platform.Config{DNS: platform.DNSConfig{Servers: []netip.Addr{ip("203.0.113.53")}}}); err != nil {
		t.Fatal(err)
	}
	if err := n.Recover(); err != nil {
		t.Fatal(err)
	}
	got := e.resolvConf(t)
	if !strings.Contains(got, "nameserver 203.0.113.53\nnameserver 192.0.2.53\n") || strings.Contains(got, "198.51.100.53") {
		t.Errorf("resolv.conf after recovery:\n%s", got)
	}
	if err := live.Close(); err != nil {
		t.Fatal(err)
	}
	if got := e.resolvConf(t); got != e.origConf {
		t.Errorf("resolv.conf not restored:\n%s", got)
	}
}
