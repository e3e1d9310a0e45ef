package platform

import (
	"errors"
	"net/netip"
	"testing"
)

func TestBlockConfigValidate(t *testing.T) {
	for _, tc := range []struct {
		name string
		b    BlockConfig
		ok   bool
	}{
		{"selectors", BlockConfig{Protected: []netip.Prefix{netip.MustParsePrefix("198.51.100.0/24")}}, true},
		{"outside only", BlockConfig{BlockOutside: true}, true},
		{"nothing", BlockConfig{Gateways: []netip.Addr{netip.MustParseAddr("203.0.113.1")}}, false},
		{"bad prefix", BlockConfig{Protected: []netip.Prefix{{}}}, false},
		{"bad exclude", BlockConfig{BlockOutside: true, Exclude: []netip.Prefix{{}}}, false},
		{"bad gateway", BlockConfig{BlockOutside: true, Gateways: []netip.Addr{{}}}, false},
	} {
		err := tc.b.Validate()
		var ce *ConfigError
		if tc.ok && err != nil || !tc.ok && !errors.As(err, &ce) {
			t.Errorf("%s: Validate = %v", tc.name, err)
		}
	}
}

func TestBlockConfigWithDefaults(t *testing.T) {
	b := BlockConfig{
		Protected: []netip.Prefix{netip.MustParsePrefix("198.51.100.7/24")},
		Gateways:  []netip.Addr{netip.MustParseAddr("::ffff:203.0.113.1")},
	}.WithDefaults()
	if b.Protected[0] != netip.MustParsePrefix("198.51.100.0/24") {
		t.Errorf("prefix not masked: %v", b.Protected[0])
	}
	if b.Gateways[0] != netip.MustParseAddr("203.0.113.1") {
		t.Errorf("gateway not unmapped: %v", b.Gateways[0])
	}
}
