//go:build darwin || freebsd

package bsd

import (
	"net/netip"
	"testing"

	"golang.org/x/net/route"
)

// On the systems themselves, golang.org/x/net/route (which builds only
// there) must read the messages this package writes as the fields it
// meant: a second parser, written by others, against the encoder.
func TestXNetRouteReadsOurMessages(t *testing.T) {
	l := nativeLayout
	cases := []struct {
		r     routeSpec
		flags int
		check func(t *testing.T, as []route.Addr)
	}{
		{
			routeSpec{Dst: netip.MustParsePrefix("198.51.100.0/24"), Dev: "lo0", Index: 1},
			rtfUp | rtfStatic,
			func(t *testing.T, as []route.Addr) {
				if a, ok := as[0].(*route.Inet4Addr); !ok || a.IP != [4]byte{198, 51, 100, 0} {
					t.Errorf("dst %#v", as[0])
				}
				if a, ok := as[1].(*route.LinkAddr); !ok || a.Index != 1 || a.Name != "lo0" {
					t.Errorf("gateway %#v", as[1])
				}
				if a, ok := as[2].(*route.Inet4Addr); !ok || a.IP != [4]byte{255, 255, 255, 0} {
					t.Errorf("netmask %#v", as[2])
				}
			},
		},
		{
			routeSpec{Dst: netip.MustParsePrefix("2001:db8:9::7/128"), Dev: "lo0", Index: 1, Gateway: netip.MustParseAddr("fe80::1")},
			rtfUp | rtfStatic | rtfGateway | rtfHost,
			func(t *testing.T, as []route.Addr) {
				if a, ok := as[0].(*route.Inet6Addr); !ok || a.IP != netip.MustParseAddr("2001:db8:9::7").As16() {
					t.Errorf("dst %#v", as[0])
				}
				if a, ok := as[1].(*route.Inet6Addr); !ok || a.IP != netip.MustParseAddr("fe80::1").As16() || a.ZoneID != 1 {
					t.Errorf("gateway %#v", as[1])
				}
			},
		},
	}
	for _, c := range cases {
		msgs, err := route.ParseRIB(route.RIBTypeRoute, l.routeMessage(rtmAdd, c.r, 77, 9))
		if err != nil || len(msgs) != 1 {
			t.Fatalf("%s: %d messages, %v", c.r.Dst, len(msgs), err)
		}
		m, ok := msgs[0].(*route.RouteMessage)
		if !ok || m.Type != rtmAdd || m.Flags != c.flags || m.Seq != 9 || m.ID != 77 {
			t.Fatalf("%s: %#v", c.r.Dst, msgs[0])
		}
		c.check(t, m.Addrs)
	}
}
