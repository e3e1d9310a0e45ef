package linux

import (
	"net"
	"testing"

	"github.com/espressovpn/espresso/platform"
	"github.com/vishvananda/netlink"
	"golang.org/x/sys/unix"
)

func linkAttrs(index int, name string, up bool) *netlink.LinkAttrs {
	a := &netlink.LinkAttrs{Index: index, Name: name}
	if up {
		a.Flags = net.FlagUp
		a.RawFlags = unix.IFF_UP | unix.IFF_RUNNING
	}
	return a
}

func ipnet(s string) net.IPNet {
	ip, n, err := net.ParseCIDR(s)
	if err != nil {
		panic(err)
	}
	n.IP = ip
	return *n
}

func defaultVia(gw string, dev int) netlink.Route {
	return netlink.Route{Table: unix.RT_TABLE_MAIN, Type: unix.RTN_UNICAST, Family: unix.AF_INET, Gw: net.ParseIP(gw), LinkIndex: dev}
}

// TestNetStateReportsOnlyRealChanges feeds netState the notifications of
// a Wi-Fi association, of the helper configuring a tunnel, and of
// repeats, and checks which count as changes.
func TestNetStateReportsOnlyRealChanges(t *testing.T) {
	s := newNetState("espresso*")
	// Seeded: lo and eth0 up, one address, one default route.
	s.link(linkAttrs(1, "lo", true), false)
	s.link(linkAttrs(2, "eth0", true), false)
	s.addr(2, ipnet("192.0.2.2/24"), true)
	s.route(defaultVia("192.0.2.1", 2), true)

	steps := []struct {
		what string
		got  platform.Change
		want platform.Change
	}{
		{"wlan0 appears down", s.link(linkAttrs(3, "wlan0", false), false), 0},
		{"wlan0 associates", s.link(linkAttrs(3, "wlan0", true), false), platform.ChangeLink},
		{"wlan0 repeated", s.link(linkAttrs(3, "wlan0", true), false), 0},
		{"wlan0 gets an address", s.addr(3, ipnet("198.51.100.20/24"), true), platform.ChangeAddress},
		{"lifetimes refreshed", s.addr(3, ipnet("198.51.100.20/24"), true), 0},
		{"link-local address", s.addr(3, ipnet("fe80::1/64"), true), 0},
		{"new default route", s.route(defaultVia("198.51.100.1", 3), true), platform.ChangeRoute},
		{"same route again", s.route(defaultVia("198.51.100.1", 3), true), 0},
		{"non-default route", s.route(netlink.Route{Table: unix.RT_TABLE_MAIN, Type: unix.RTN_UNICAST, Dst: &net.IPNet{IP: net.IPv4(203, 0, 113, 0).To4(), Mask: net.CIDRMask(24, 32)}, LinkIndex: 3}, true), 0},
		{"old default route goes", s.route(defaultVia("192.0.2.1", 2), false), platform.ChangeRoute},

		{"tunnel device", s.link(linkAttrs(10, "espresso0", true), false), 0},
		{"tunnel address", s.addr(10, ipnet("198.18.0.1/32"), true), 0},
		{"tunnel table route", s.route(netlink.Route{Table: 220, Type: unix.RTN_UNICAST, LinkIndex: 10}, true), 0},
		{"tunnel unreachable route", s.route(netlink.Route{Table: 220, Type: unix.RTN_UNREACHABLE}, true), 0},
		{"loopback address", s.addr(1, ipnet("127.0.0.2/8"), true), 0},

		{"eth0 cable pulled", s.link(linkAttrs(2, "eth0", false), false), platform.ChangeLink},
		{"wlan0 address removed", s.addr(3, ipnet("198.51.100.20/24"), false), platform.ChangeAddress},
		{"wlan0 removed", s.link(linkAttrs(3, "wlan0", true), true), platform.ChangeLink},
		{"address on an interface not heard of", s.addr(42, ipnet("203.0.113.9/24"), true), platform.ChangeAddress},
	}
	for _, st := range steps {
		if st.got != st.want {
			t.Errorf("%s: %v, want %v", st.what, st.got, st.want)
		}
	}
}
