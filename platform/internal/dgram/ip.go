package dgram

import (
	"net"
	"net/netip"
)

// PutIP stores a in dst and returns it as a net.IP over dst: 4 bytes when
// four is set (a must then be an IPv4 address), 16 otherwise (an IPv4
// address as IPv4-mapped). A transport keeps one dst per message, so that
// the destinations of a batch allocate nothing.
func PutIP(dst *[16]byte, a netip.Addr, four bool) net.IP {
	if four {
		b := a.As4()
		copy(dst[:4], b[:])
		return dst[:4]
	}
	*dst = a.As16()
	return dst[:16]
}
