package linux

import (
	"net/netip"
	"slices"
	"testing"

	"github.com/espressovpn/espresso/platform"
)

func TestResolvedDomains(t *testing.T) {
	out := []byte("Global: Home.Example.\nLink 2 (eth0): corp.example ~lab.example ~.\nLink 7 (espresso0): ~tunnel.example\nLink 3 (wlan0): corp.example\n")
	got := resolvedDomains(out, func(name string) bool { return name == "espresso0" })
	if want := []string{"home.example", "corp.example", "lab.example"}; !slices.Equal(got, want) {
		t.Errorf("domains %q, want %q", got, want)
	}
}

func TestResolvConfDomains(t *testing.T) {
	got := resolvConfDomains([]byte("# comment\nnameserver 192.0.2.53\nsearch corp.example lab.example.\ndomain Corp.Example\n"))
	if want := []string{"corp.example", "lab.example"}; !slices.Equal(got, want) {
		t.Errorf("domains %q, want %q", got, want)
	}
	if got := resolvConfDomains(resolvConf("work", platform.DNSConfig{Servers: []netip.Addr{netip.MustParseAddr("198.51.100.53")}, Domains: []string{"corp.example"}}, []byte("search home.example\n"))); got != nil {
		t.Errorf("the helper's own file counts: %q", got)
	}
}
