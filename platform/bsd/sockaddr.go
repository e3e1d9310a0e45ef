package bsd

import (
	"encoding/binary"
	"errors"
	"net/netip"
)

// sockaddr is one address of a routing message: an internet address
// (sockaddr_in, sockaddr_in6), a netmask in the same form, or a link
// (sockaddr_dl). The zero value is absent.
type sockaddr struct {
	// family is afInet, afLink or the layout's AFInet6; zero when absent.
	family uint8
	// ip is the address or netmask of an internet sockaddr.
	ip netip.Addr
	// scope is the interface index of an IPv6 link-local address.
	scope uint32
	// index and name identify the interface of a link sockaddr.
	index uint16
	name  string
}

// inetSockaddr is the sockaddr for a. An IPv6 zone that is an interface
// index becomes the scope; callers resolve names first.
func (l Layout) inetSockaddr(a netip.Addr, scope uint32) sockaddr {
	a = a.Unmap()
	if a.Is4() {
		return sockaddr{family: afInet, ip: a}
	}
	return sockaddr{family: l.AFInet6, ip: a.WithZone(""), scope: scope}
}

// maskSockaddr is the netmask sockaddr of a prefix of p's family.
func (l Layout) maskSockaddr(p netip.Prefix) sockaddr {
	n := p.Addr().BitLen() / 8
	m := make([]byte, n)
	for i := range p.Bits() {
		m[i/8] |= 0x80 >> (i % 8)
	}
	a, _ := netip.AddrFromSlice(m)
	return l.inetSockaddr(a, 0)
}

// linkSockaddr names an interface by index and name, which is how a route
// says "through this interface" rather than through a gateway.
func linkSockaddr(index int, name string) sockaddr {
	return sockaddr{family: afLink, index: uint16(index), name: name}
}

// sockaddrInLen and sockaddrIn6Len are sizeof(struct sockaddr_in) and
// sizeof(struct sockaddr_in6) on every BSD.
const (
	sockaddrInLen  = 16
	sockaddrIn6Len = 28
)

// isKAMEScoped reports whether a is an IPv6 address whose scope the BSD
// kernels carry embedded in bytes 2 and 3 of the address (the KAME
// convention route(8) follows for link-local unicast and multicast).
func isKAMEScoped(a netip.Addr) bool {
	return a.Is6() && (a.IsLinkLocalUnicast() || a.IsLinkLocalMulticast())
}

// appendSockaddr appends sa, padded to the layout's alignment, to b.
func (l Layout) appendSockaddr(b []byte, sa sockaddr) []byte {
	start := len(b)
	switch sa.family {
	case afInet:
		b = append(b, make([]byte, sockaddrInLen)...)
		s := b[start:]
		s[0], s[1] = sockaddrInLen, afInet
		a4 := sa.ip.As4()
		copy(s[4:8], a4[:])
	case l.AFInet6:
		b = append(b, make([]byte, sockaddrIn6Len)...)
		s := b[start:]
		s[0], s[1] = sockaddrIn6Len, l.AFInet6
		a16 := sa.ip.As16()
		copy(s[8:24], a16[:])
		if sa.scope != 0 && isKAMEScoped(sa.ip) {
			binary.BigEndian.PutUint16(s[10:12], uint16(sa.scope))
		}
	case afLink:
		n := max(l.SockaddrDLLen, 8+len(sa.name))
		b = append(b, make([]byte, n)...)
		s := b[start:]
		s[0], s[1] = byte(n), afLink
		binary.NativeEndian.PutUint16(s[2:4], sa.index)
		s[5] = byte(len(sa.name))
		copy(s[8:], sa.name)
	default:
		return b
	}
	return append(b, make([]byte, l.roundup(len(b)-start)-(len(b)-start))...)
}

// errShortSockaddr reports a routing message whose addresses run past its
// end.
var errShortSockaddr = errors.New("routing message: truncated sockaddr")

// parseSockaddrs reads the sockaddrs present in the addrs bitmask from b,
// indexed by their RTAX position.
func (l Layout) parseSockaddrs(addrs uint32, b []byte) ([rtaMax]sockaddr, error) {
	var out [rtaMax]sockaddr
	for i := range rtaMax {
		if addrs&(1<<i) == 0 {
			continue
		}
		if len(b) == 0 {
			return out, errShortSockaddr
		}
		n := int(b[0])
		if n > len(b) {
			return out, errShortSockaddr
		}
		out[i] = l.parseSockaddr(b[:n])
		space := min(l.roundup(n), len(b))
		b = b[space:]
	}
	return out, nil
}

// parseSockaddr decodes one sockaddr. The kernel shortens netmasks to
// their significant bytes, so internet addresses shorter than the struct
// are zero-extended.
func (l Layout) parseSockaddr(s []byte) sockaddr {
	if len(s) < 2 {
		return sockaddr{}
	}
	switch s[1] {
	case afInet:
		var a [4]byte
		if len(s) > 4 {
			copy(a[:], s[4:])
		}
		return sockaddr{family: afInet, ip: netip.AddrFrom4(a)}
	case l.AFInet6:
		var a [16]byte
		if len(s) > 8 {
			copy(a[:], s[8:])
		}
		sa := sockaddr{family: l.AFInet6, ip: netip.AddrFrom16(a)}
		if len(s) >= sockaddrIn6Len {
			sa.scope = binary.NativeEndian.Uint32(s[24:28])
		}
		if isKAMEScoped(sa.ip) {
			if emb := binary.BigEndian.Uint16(a[2:4]); emb != 0 {
				sa.scope = uint32(emb)
				a[2], a[3] = 0, 0
				sa.ip = netip.AddrFrom16(a)
			}
		}
		return sa
	case afLink:
		if len(s) < 8 {
			return sockaddr{}
		}
		sa := sockaddr{family: afLink, index: binary.NativeEndian.Uint16(s[2:4])}
		if end := 8 + int(s[5]); end <= len(s) {
			sa.name = string(s[8:end])
		}
		return sa
	}
	return sockaddr{}
}
