package bsd

import (
	"encoding/binary"
	"net/netip"
)

// in6IffNodad is IN6_IFF_NODAD (netinet6/in6_var.h, the same on macOS and
// FreeBSD): a TUN device has no neighbours to run duplicate address
// detection against, and DAD would hold the address tentative for a
// second before it can be used.
const in6IffNodad = 0x20

// nd6InfiniteLifetime is ND6_INFINITE_LIFETIME: the virtual IP stays valid
// and preferred until the tunnel removes it.
const nd6InfiniteLifetime = 0xffffffff

// aliasRequest is an address ioctl ready for the kernel: its command and
// the request struct it reads.
type aliasRequest struct {
	inet6 bool
	cmd   uint
	data  []byte
}

// addressRequest builds the SIOCAIFADDR (IPv4) or SIOCAIFADDR_IN6 (IPv6)
// request that puts vip on the interface called dev.
func (l Layout) addressRequest(dev string, vip netip.Prefix) aliasRequest {
	if vip.Addr().Unmap().Is4() {
		return aliasRequest{cmd: l.addrIoctl(), data: l.ifAliasreq(dev, vip)}
	}
	return aliasRequest{inet6: true, cmd: l.addr6Ioctl(), data: l.in6Aliasreq(dev, vip)}
}

// ifAliasreq lays out struct ifaliasreq: ifra_name[16], ifra_addr,
// ifra_broadaddr (the destination on a point-to-point link), ifra_mask,
// each a sockaddr_in, then on FreeBSD ifra_vhid (left 0: no CARP).
func (l Layout) ifAliasreq(dev string, vip netip.Prefix) []byte {
	b := make([]byte, l.IfAliasreqLen)
	copy(b[:15], dev)
	addr := vip.Addr().Unmap()
	mask := l.maskSockaddr(netip.PrefixFrom(addr, vip.Bits()))
	other := addr
	if !l.PointToPoint {
		other = broadcast(netip.PrefixFrom(addr, vip.Bits()))
	}
	copy(b[16:32], l.appendSockaddr(nil, l.inetSockaddr(addr, 0)))
	copy(b[32:48], l.appendSockaddr(nil, l.inetSockaddr(other, 0)))
	copy(b[48:64], l.appendSockaddr(nil, mask))
	return b
}

// broadcast is the all-ones host address of p.
func broadcast(p netip.Prefix) netip.Addr {
	a := p.Addr().As4()
	host := ^uint32(0) >> p.Bits()
	if p.Bits() == 32 {
		host = 0
	}
	binary.BigEndian.PutUint32(a[:], binary.BigEndian.Uint32(a[:])|host)
	return netip.AddrFrom4(a)
}

// in6Aliasreq lays out struct in6_aliasreq: ifra_name[16], ifra_addr,
// ifra_dstaddr (unused, left empty), ifra_prefixmask, each a
// sockaddr_in6; ifra_flags; ifra_lifetime (ia6t_expire and ia6t_preferred
// as 64-bit time_t, then ia6t_vltime and ia6t_pltime); on FreeBSD
// ifra_vhid and padding.
func (l Layout) in6Aliasreq(dev string, vip netip.Prefix) []byte {
	b := make([]byte, l.In6AliasreqLen)
	copy(b[:15], dev)
	copy(b[16:44], l.appendSockaddr(nil, l.inetSockaddr(vip.Addr(), 0)))
	copy(b[72:100], l.appendSockaddr(nil, l.maskSockaddr(vip)))
	ne := binary.NativeEndian
	ne.PutUint32(b[100:], in6IffNodad)
	ne.PutUint32(b[120:], nd6InfiniteLifetime)
	ne.PutUint32(b[124:], nd6InfiniteLifetime)
	return b
}

// mtuRequest lays out the struct ifreq of SIOCSIFMTU: the name, then
// ifr_mtu as an int at the start of the union.
func mtuRequest(dev string, mtu int) aliasRequest {
	b := make([]byte, ifreqLen)
	copy(b[:15], dev)
	binary.NativeEndian.PutUint32(b[16:], uint32(mtu))
	return aliasRequest{cmd: mtuIoctl(), data: b}
}
