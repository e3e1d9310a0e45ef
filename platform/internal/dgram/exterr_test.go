package dgram

import (
	"encoding/binary"
	"net/netip"
	"testing"
)

// extErr builds a struct sock_extended_err as Linux delivers it, with the
// offender's sockaddr after it.
func extErr(errno uint32, origin, typ, code uint8, offender netip.Addr) []byte {
	b := make([]byte, extErrLen)
	binary.NativeEndian.PutUint32(b[0:4], errno)
	b[4], b[5], b[6] = origin, typ, code
	switch {
	case offender.Is4():
		sa := make([]byte, 16)
		binary.NativeEndian.PutUint16(sa, afInet)
		a := offender.As4()
		copy(sa[4:], a[:])
		b = append(b, sa...)
	case offender.Is6():
		sa := make([]byte, 28)
		binary.NativeEndian.PutUint16(sa, afInet6)
		a := offender.As16()
		copy(sa[8:], a[:])
		b = append(b, sa...)
	}
	return b
}

func TestParseExtendedErr(t *testing.T) {
	gw4 := netip.MustParseAddr("192.0.2.1")
	gw6 := netip.MustParseAddr("2001:db8::1")
	tests := []struct {
		name     string
		b        []byte
		kind     Unreachable
		offender netip.Addr
	}{
		{"icmp port unreachable", extErr(111, eeOriginICMP, 3, 3, gw4), PortUnreachable, gw4},
		{"icmp host unreachable", extErr(113, eeOriginICMP, 3, 1, gw4), HostUnreachable, gw4},
		{"icmp net unreachable", extErr(101, eeOriginICMP, 3, 0, gw4), HostUnreachable, gw4},
		{"icmp fragmentation needed", extErr(90, eeOriginICMP, 3, 4, gw4), NotUnreachable, gw4},
		{"icmp admin prohibited", extErr(113, eeOriginICMP, 3, 13, gw4), NotUnreachable, gw4},
		{"icmp time exceeded", extErr(113, eeOriginICMP, 11, 0, gw4), NotUnreachable, gw4},
		{"icmpv6 port unreachable", extErr(111, eeOriginICMP6, 1, 4, gw6), PortUnreachable, gw6},
		{"icmpv6 address unreachable", extErr(113, eeOriginICMP6, 1, 3, gw6), HostUnreachable, gw6},
		{"icmpv6 packet too big", extErr(90, eeOriginICMP6, 2, 0, gw6), NotUnreachable, gw6},
		{"local origin", extErr(111, 1, 3, 3, gw4), NotUnreachable, gw4},
		{"no offender", extErr(111, eeOriginICMP, 3, 3, netip.Addr{}), PortUnreachable, netip.Addr{}},
		{"truncated offender", extErr(111, eeOriginICMP, 3, 3, gw6)[:extErrLen+12], PortUnreachable, netip.Addr{}},
	}
	for _, tc := range tests {
		e, err := ParseExtendedErr(tc.b)
		if err != nil {
			t.Errorf("%s: %v", tc.name, err)
			continue
		}
		if e.Unreachable() != tc.kind || e.Offender != tc.offender {
			t.Errorf("%s: kind %d offender %v, want %d %v", tc.name, e.Unreachable(), e.Offender, tc.kind, tc.offender)
		}
	}
	if _, err := ParseExtendedErr(make([]byte, extErrLen-1)); err == nil {
		t.Error("a short extended error parsed")
	}
}

// FuzzParseExtendedErr: whatever the error queue holds, parsing returns.
func FuzzParseExtendedErr(f *testing.F) {
	f.Add(extErr(111, eeOriginICMP, 3, 3, netip.MustParseAddr("192.0.2.1")))
	f.Add(extErr(111, eeOriginICMP6, 1, 4, netip.MustParseAddr("2001:db8::1")))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, b []byte) {
		e, err := ParseExtendedErr(b)
		if err == nil {
			_ = e.Unreachable()
		}
	})
}
