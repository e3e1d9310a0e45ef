package wire

import (
	"errors"
	"net/netip"
	"testing"
)

func TestConfigurationRoundTrip(t *testing.T) {
	// The CP request of the strongSwan capture: an address and a DNS server.
	req := &Configuration{ConfigType: CFGRequest, Attributes: []ConfigAttribute{
		{Type: InternalIP4Address}, {Type: InternalIP4DNS}, {Type: InternalIP6Address}, {Type: InternalIP6DNS},
		{Type: ApplicationVersion, Value: []byte("espresso")},
	}}
	roundTrip(t, req, hexBytes("01000000 00010000 00030000 00080000 000a0000 00070008 657370726573736f"))

	reply := &Configuration{ConfigType: CFGReply, Attributes: []ConfigAttribute{
		AddrAttribute(InternalIP4Address, netip.MustParseAddr("198.18.0.1")),
		AddrAttribute(InternalIP4DNS, netip.MustParseAddr("203.0.113.53")),
		PrefixAttribute(InternalIP6Address, netip.MustParsePrefix("2001:db8::5/64")),
		AddrAttribute(InternalIP6DNS, netip.MustParseAddr("2001:db8::53")),
		PrefixAttribute(InternalIP4Subnet, netip.MustParsePrefix("203.0.113.0/24")),
		PrefixAttribute(InternalIP6Subnet, netip.MustParsePrefix("2001:db8:1::/48")),
	}}
	got := roundTrip(t, reply, nil).(*Configuration)
	for _, c := range []struct {
		t    ConfigAttributeType
		want string
	}{{InternalIP4Address, "198.18.0.1"}, {InternalIP4DNS, "203.0.113.53"}, {InternalIP6DNS, "2001:db8::53"}} {
		a, _ := got.Find(c.t)
		if addr, ok, err := a.Addr(); !ok || err != nil || addr.String() != c.want {
			t.Errorf("%v: %v %v %v, want %s", c.t, addr, ok, err, c.want)
		}
	}
	for _, c := range []struct {
		t    ConfigAttributeType
		want string
	}{{InternalIP6Address, "2001:db8::5/64"}, {InternalIP4Subnet, "203.0.113.0/24"}, {InternalIP6Subnet, "2001:db8:1::/48"}} {
		a, _ := got.Find(c.t)
		if p, ok, err := a.Prefix(); !ok || err != nil || p.String() != c.want {
			t.Errorf("%v: %v %v %v, want %s", c.t, p, ok, err, c.want)
		}
	}
	if a, _ := got.Find(InternalIP4Subnet); string(a.Value[4:]) != "\xff\xff\xff\x00" {
		t.Errorf("INTERNAL_IP4_SUBNET netmask %x", a.Value[4:])
	}
	if _, ok := got.Find(InternalIP4NBNS); ok {
		t.Error("found an absent attribute")
	}
	// A request's empty value is "any", not an error.
	if _, ok, err := (ConfigAttribute{Type: InternalIP4Address}).Addr(); ok || err != nil {
		t.Errorf("empty INTERNAL_IP4_ADDRESS: %v %v", ok, err)
	}
	if _, ok, err := (ConfigAttribute{Type: InternalIP6Subnet}).Prefix(); ok || err != nil {
		t.Errorf("empty INTERNAL_IP6_SUBNET: %v %v", ok, err)
	}
	for _, a := range []ConfigAttribute{
		{Type: InternalIP4DNS, Value: []byte{1, 2, 3}},
		{Type: InternalIP4Subnet, Value: hexBytes("cb007100 ff00ff00")},
		{Type: InternalIP6Address, Value: append(make([]byte, 16), 129)},
		{Type: InternalIP6Subnet, Value: make([]byte, 16)},
	} {
		_, _, err1 := a.Addr()
		_, _, err2 := a.Prefix()
		if !errors.Is(err1, ErrMalformed) && !errors.Is(err2, ErrMalformed) {
			t.Errorf("%v %x accepted: %v, %v", a.Type, a.Value, err1, err2)
		}
	}
	if _, _, err := (ConfigAttribute{Type: ApplicationVersion}).Addr(); !errors.Is(err, ErrInvalid) {
		t.Errorf("Addr of APPLICATION_VERSION: %v", err)
	}
	// The reserved top bit of the attribute type is ignored (RFC 7296 §3.15.1).
	c, err := parseConfiguration(hexBytes("02000000 80010004 c6120001"))
	if err != nil || len(c.Attributes) != 1 || c.Attributes[0].Type != InternalIP4Address {
		t.Errorf("attribute with the R bit: %+v, %v", c, err)
	}
	parseErrors(t, PayloadCP, ErrTruncated, nil, hexBytes("020000"), hexBytes("02000000 0001"), hexBytes("02000000 00010004 c612"))
	if _, err := (&Configuration{Attributes: []ConfigAttribute{{Type: 0x8000}}}).AppendBody(nil); !errors.Is(err, ErrInvalid) {
		t.Errorf("16-bit attribute type encoded: %v", err)
	}
}

func FuzzConfiguration(f *testing.F) { fuzzBody(f, PayloadCP) }
