package platform

import (
	"errors"
	"net/netip"
	"slices"
	"testing"
)

func prefixes(ss ...string) []netip.Prefix {
	out := make([]netip.Prefix, len(ss))
	for i, s := range ss {
		out[i] = netip.MustParsePrefix(s)
	}
	return out
}

func TestNetworksOverlap(t *testing.T) {
	for _, tc := range []struct {
		name string
		a, b Networks
		want []netip.Prefix
	}{
		{"disjoint LANs", Networks{Routed: prefixes("203.0.113.0/24")}, Networks{Routed: prefixes("198.51.100.0/24")}, nil},
		{"same LAN", Networks{Routed: prefixes("203.0.113.0/24")}, Networks{Routed: prefixes("203.0.113.0/24")}, prefixes("203.0.113.0/24")},
		{"narrower inside wider", Networks{Routed: prefixes("203.0.113.0/24")}, Networks{Routed: prefixes("203.0.113.128/25")}, prefixes("203.0.113.128/25")},
		{"full tunnel against a LAN", Networks{Routed: prefixes("0.0.0.0/0")}, Networks{Routed: prefixes("203.0.113.0/24")}, prefixes("203.0.113.0/24")},
		{"two full tunnels", Networks{Routed: prefixes("0.0.0.0/0", "::/0")}, Networks{Routed: prefixes("0.0.0.0/0", "::/0")}, prefixes("0.0.0.0/0", "::/0")},
		{"families apart", Networks{Routed: prefixes("0.0.0.0/0")}, Networks{Routed: prefixes("::/0")}, nil},
		{"full tunnel excluding the LAN", Networks{Routed: prefixes("0.0.0.0/0"), Exclude: prefixes("203.0.113.0/24")}, Networks{Routed: prefixes("203.0.113.0/24")}, nil},
		{"exclude of the other side", Networks{Routed: prefixes("203.0.113.0/25")}, Networks{Routed: prefixes("203.0.113.0/24"), Exclude: prefixes("203.0.113.0/25")}, nil},
		{"exclude covering a part only", Networks{Routed: prefixes("0.0.0.0/0"), Exclude: prefixes("203.0.113.0/25")}, Networks{Routed: prefixes("203.0.113.0/24")}, prefixes("203.0.113.0/24")},
		{"blocked counts", NetworksOf(&Config{RemoteSelectors: prefixes("198.18.0.0/24"), Blocked: prefixes("::/0")}), Networks{Routed: prefixes("2001:db8:2::/64")}, prefixes("2001:db8:2::/64")},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.a.Overlap(tc.b); !slices.Equal(got, tc.want) {
				t.Errorf("a.Overlap(b) = %v, want %v", got, tc.want)
			}
			if got := tc.b.Overlap(tc.a); len(got) != len(tc.want) {
				t.Errorf("b.Overlap(a) = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestClaims(t *testing.T) {
	var c Claims
	office, lab, everything := new(int), new(int), new(int)
	if err := c.Claim(office, "office", Networks{Routed: prefixes("203.0.113.0/24")}); err != nil {
		t.Fatal(err)
	}
	if err := c.Claim(lab, "lab", Networks{Routed: prefixes("198.51.100.0/24")}); err != nil {
		t.Fatalf("disjoint networks refused: %v", err)
	}
	err := c.Claim(everything, "everything", Networks{Routed: prefixes("0.0.0.0/0")})
	var oe *OverlapError
	if !errors.As(err, &oe) || oe.Name != "everything" || oe.Other != "lab" {
		t.Fatalf("full tunnel over two: %v", err)
	}
	want := "everything routes 198.51.100.0/24, which the active connection lab already routes: disconnect lab first, or let everything replace it"
	if err.Error() != want {
		t.Errorf("sentence:\n got %s\nwant %s", err, want)
	}
	if err := c.Check("everything", Networks{Routed: prefixes("0.0.0.0/0"), Exclude: prefixes("203.0.113.0/24", "198.51.100.0/24")}); err != nil {
		t.Errorf("excluding both: %v", err)
	}
	// A connection's own claim never stands in its way: it narrows or
	// widens what it routes on a new negotiation.
	if err := c.Claim(office, "office", Networks{Routed: prefixes("203.0.113.0/25")}); err != nil {
		t.Errorf("re-claim: %v", err)
	}
	// Nor does an earlier attempt's of the same connection.
	next := new(int)
	if err := c.Claim(next, "office", Networks{Routed: prefixes("203.0.113.0/24")}); err != nil {
		t.Errorf("a new attempt's claim: %v", err)
	}
	c.Release(next)
	if got := c.Overlapping("everything", Networks{Routed: prefixes("0.0.0.0/0")}); !slices.Equal(got, []string{"lab", "office"}) {
		t.Errorf("Overlapping = %v", got)
	}
	// A refused re-claim keeps the earlier one.
	if err := c.Claim(office, "office", Networks{Routed: prefixes("198.51.100.0/24")}); err == nil {
		t.Error("office took lab's network")
	}
	if err := c.Check("other", Networks{Routed: prefixes("203.0.113.0/26")}); err == nil {
		t.Error("office lost its claim after a refused one")
	}
	c.Release(lab)
	c.Release(office)
	if err := c.Claim(everything, "everything", Networks{Routed: prefixes("0.0.0.0/0")}); err != nil {
		t.Errorf("after both released: %v", err)
	}
}
