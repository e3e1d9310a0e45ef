package wire

import (
	"errors"
	"net/netip"
	"testing"
)

func TestTrafficSelectorsRoundTrip(t *testing.T) {
	v4 := SelectorFromPrefix(netip.MustParsePrefix("203.0.113.7/24"))
	v6 := TrafficSelector{IPProtocol: 17, StartPort: 53, EndPort: 53,
		Start: netip.MustParseAddr("2001:db8::"), End: netip.MustParseAddr("2001:db8::ff")}
	want := hexBytes("02000000" +
		"07000010 0000ffff cb007100 cb0071ff" +
		"08110028 00350035 20010db8000000000000000000000000 20010db80000000000000000000000ff")
	roundTrip(t, &TSi{Selectors: []TrafficSelector{v4, v6}}, want)
	roundTrip(t, &TSr{Selectors: []TrafficSelector{v4, v6}}, want)
	roundTrip(t, &TSr{}, hexBytes("00000000"))
	if v4.String() != "203.0.113.0..203.0.113.255[0/0-65535]" || v4.Type() != TSIPv4AddrRange || v6.Type() != TSIPv6AddrRange {
		t.Errorf("%v type %d, %v type %d", v4, v4.Type(), v6, v6.Type())
	}
	all := SelectorFromPrefix(netip.MustParsePrefix("::/0"))
	if all.End != netip.MustParseAddr("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff") {
		t.Errorf("::/0 ends at %v", all.End)
	}
	if h := SelectorFromPrefix(netip.MustParsePrefix("198.18.0.1/32")); h.Start != h.End {
		t.Errorf("host selector %v", h)
	}
	if s := SelectorFromPrefix(netip.Prefix{}); s != (TrafficSelector{}) {
		t.Errorf("invalid prefix gave %v", s)
	}
	parseErrors(t, PayloadTSi, ErrMalformed,
		hexBytes("01000000 07000028 0000ffff cb007100 cb0071ff"), // IPv4 type, IPv6 length
		hexBytes("01000000 09000010 0000ffff cb007100 cb0071ff"), // unknown type
		hexBytes("01000000 07000010 0000ffff cb007100 cb0071ff 00"),
	)
	parseErrors(t, PayloadTSr, ErrTruncated, nil, hexBytes("02000000 07000010 0000ffff cb007100 cb0071ff"),
		hexBytes("01000000 070000"), hexBytes("01000000 07000010 0000ffff cb007100"))
	for _, s := range []TrafficSelector{
		{Start: netip.MustParseAddr("192.0.2.1"), End: netip.MustParseAddr("2001:db8::1")},
		{Start: netip.MustParseAddr("::ffff:192.0.2.1"), End: netip.MustParseAddr("::ffff:192.0.2.2")},
		{},
	} {
		if _, err := (&TSi{Selectors: []TrafficSelector{s}}).AppendBody(nil); !errors.Is(err, ErrInvalid) {
			t.Errorf("%v encoded: %v", s, err)
		}
	}
}

func FuzzTSi(f *testing.F) { fuzzBody(f, PayloadTSi) }

func FuzzTSr(f *testing.F) { fuzzBody(f, PayloadTSr) }
