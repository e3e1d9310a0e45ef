package wire

import (
	"net/netip"
	"testing"
)

func TestIdentityRoundTrip(t *testing.T) {
	for _, c := range []struct {
		id     Identity
		body   string
		string string
	}{
		{FQDNIdentity("gw.example.test"), "02000000 67772e6578616d706c652e74657374", `"gw.example.test"`},
		{RFC822Identity("a@b.test"), "03000000 6140622e74657374", `"a@b.test"`},
		{AddrIdentity(netip.MustParseAddr("192.0.2.1")), "01000000 c0000201", "192.0.2.1"},
		{AddrIdentity(netip.MustParseAddr("::ffff:192.0.2.1")), "01000000 c0000201", "192.0.2.1"},
		{AddrIdentity(netip.MustParseAddr("2001:db8::1")), "05000000 20010db8000000000000000000000001", "2001:db8::1"},
		{DNIdentity([]byte{0x30, 0x00}), "09000000 3000", "ID_DER_ASN1_DN:3000"},
		{KeyIDIdentity([]byte{0xab}), "0b000000 ab", "ID_KEY_ID:ab"},
		{Identity{IDType: IDNull}, "0d000000", "%any"},
	} {
		got := roundTrip(t, &IDi{c.id}, hexBytes(c.body)).(*IDi)
		if !got.Equal(c.id) || got.String() != c.string {
			t.Errorf("IDi %v: parsed %v", c.string, got)
		}
		if got := roundTrip(t, &IDr{c.id}, hexBytes(c.body)).(*IDr); got.String() != c.string {
			t.Errorf("IDr %v: parsed %v", c.string, got)
		}
	}
	id := AddrIdentity(netip.MustParseAddr("2001:db8::1"))
	if a, ok := id.Addr(); !ok || a != netip.MustParseAddr("2001:db8::1") {
		t.Errorf("Addr() = %v, %v", a, ok)
	}
	if _, ok := FQDNIdentity("x").Addr(); ok {
		t.Error("FQDN identity has an address")
	}
	parseErrors(t, PayloadIDi, ErrTruncated, nil, hexBytes("020000"))
	parseErrors(t, PayloadIDr, ErrMalformed, hexBytes("01000000 c00002"), hexBytes("05000000 c0000201"))
}

func FuzzIDi(f *testing.F) { fuzzBody(f, PayloadIDi) }

func FuzzIDr(f *testing.F) { fuzzBody(f, PayloadIDr) }
