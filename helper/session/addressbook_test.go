package session

import (
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"testing"
)

// TestAddressFile: the virtual IPs a profile had are read back by a new
// AddressFile (a restarted helper) for the same gateway only; the file is
// the owner's alone, and a damaged one gives nothing and is replaced.
func TestAddressFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "session", "virtual-ips.json")
	vips := []netip.Addr{netip.MustParseAddr("198.18.0.7"), netip.MustParseAddr("2001:db8:ff::7")}
	if got := NewAddressFile(path).Last("work", "vpn.example.com"); got != nil {
		t.Fatalf("no file yet, got %v", got)
	}
	if err := NewAddressFile(path).Remember("work", "vpn.example.com", vips); err != nil {
		t.Fatal(err)
	}
	if err := NewAddressFile(path).Remember("home", "192.0.2.1", vips[:1]); err != nil {
		t.Fatal(err)
	}
	f := NewAddressFile(path)
	if got := f.Last("work", "vpn.example.com"); !slices.Equal(got, vips) {
		t.Errorf("read back %v, want %v", got, vips)
	}
	if got := f.Last("home", "192.0.2.1"); !slices.Equal(got, vips[:1]) {
		t.Errorf("second profile: %v", got)
	}
	if got := f.Last("work", "other.example.com"); got != nil {
		t.Errorf("another gateway got %v", got)
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("mode %v, want 0600", fi.Mode().Perm())
	}

	if err := os.WriteFile(path, []byte("{not json"), 0o600); err != nil {
		t.Fatal(err)
	}
	if got := f.Last("work", "vpn.example.com"); got != nil {
		t.Errorf("damaged file gave %v", got)
	}
	if err := f.Remember("work", "vpn.example.com", vips[:1]); err != nil {
		t.Fatal(err)
	}
	if got := f.Last("work", "vpn.example.com"); !slices.Equal(got, vips[:1]) {
		t.Errorf("after replacing the damaged file: %v", got)
	}
}

// TestRequestable: what is asked for again is one unicast address of
// each family a virtual IP is asked of.
func TestRequestable(t *testing.T) {
	a := func(s ...string) []netip.Addr {
		var out []netip.Addr
		for _, x := range s {
			out = append(out, netip.MustParseAddr(x))
		}
		return out
	}
	for _, c := range []struct {
		in     []netip.Addr
		v4, v6 bool
		want   []netip.Addr
	}{
		{a("198.18.0.7", "2001:db8::7"), true, true, a("198.18.0.7", "2001:db8::7")},
		{a("198.18.0.7", "2001:db8::7"), true, false, a("198.18.0.7")},
		{a("198.18.0.7", "198.18.0.8"), true, false, a("198.18.0.7")},
		{a("127.0.0.1", "224.0.0.1", "fe80::1", "0.0.0.0", "::ffff:198.18.0.9"), true, true, a("198.18.0.9")},
	} {
		if got := requestable(c.in, c.v4, c.v6); !slices.Equal(got, c.want) {
			t.Errorf("requestable(%v, %v, %v) = %v, want %v", c.in, c.v4, c.v6, got, c.want)
		}
	}
}

// TestLastVIPsBelowIPv6MTU: a remembered IPv6 address is not put on a
// device whose MTU is below IPv6's minimum, which the platform refuses.
func TestLastVIPsBelowIPv6MTU(t *testing.T) {
	v4, v6 := netip.MustParseAddr("198.18.0.7"), netip.MustParseAddr("2001:db8::7")
	s := &settings{mtu: 1200}
	s.ike.VirtualIPv4, s.ike.VirtualIPv6 = true, true
	s.setLastVIPs([]netip.Addr{v4, v6})
	if !slices.Equal(s.lastVIPs, []netip.Addr{v4}) {
		t.Errorf("MTU 1200: %v, want %v alone", s.lastVIPs, v4)
	}
	s.mtu = 1400
	s.setLastVIPs([]netip.Addr{v4, v6})
	if !slices.Equal(s.lastVIPs, []netip.Addr{v4, v6}) {
		t.Errorf("MTU 1400: %v", s.lastVIPs)
	}
}
