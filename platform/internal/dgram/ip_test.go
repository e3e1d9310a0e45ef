package dgram

import (
	"net"
	"net/netip"
	"testing"
)

func TestPutIP(t *testing.T) {
	for _, tc := range []struct {
		addr string
		four bool
		want net.IP
	}{
		{"192.0.2.1", true, net.IP{192, 0, 2, 1}},
		{"192.0.2.1", false, net.ParseIP("::ffff:192.0.2.1")},
		{"2001:db8::1", false, net.ParseIP("2001:db8::1")},
	} {
		var dst [16]byte
		got := PutIP(&dst, netip.MustParseAddr(tc.addr), tc.four)
		if !got.Equal(tc.want) || len(got) != len(tc.want) {
			t.Errorf("PutIP(%s, four=%v) = %v (%d bytes), want %v (%d bytes)", tc.addr, tc.four, got, len(got), tc.want, len(tc.want))
		}
		if &got[0] != &dst[0] {
			t.Errorf("PutIP(%s) does not return dst", tc.addr)
		}
	}
}
