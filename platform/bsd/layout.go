package bsd

// Layout describes the C structures of one BSD kernel ABI that the package
// writes and reads. The values come from the system headers: net/route.h
// (rt_msghdr, ifa_msghdr), net/if_dl.h (sockaddr_dl), net/if.h
// (ifaliasreq, ifreq), netinet6/in6_var.h (in6_aliasreq) and sys/sockio.h.
// Every supported target is little-endian and 64-bit.
type Layout struct {
	// Name names the OS in error messages.
	Name string
	// AFInet6 is AF_INET6, which differs between the BSDs.
	AFInet6 uint8
	// RtMsghdrLen is sizeof(struct rt_msghdr): the routing message header
	// that the sockaddrs follow.
	RtMsghdrLen int
	// IfaMsghdrLen is sizeof(struct ifa_msghdr), the header of
	// RTM_NEWADDR.
	IfaMsghdrLen int
	// SockaddrAlign is the boundary each sockaddr in a routing message is
	// rounded up to: sizeof(uint32_t) on macOS, sizeof(long) on FreeBSD
	// (the ROUNDUP and SA_SIZE macros). An empty sockaddr takes one unit.
	SockaddrAlign int
	// SockaddrDLLen is sizeof(struct sockaddr_dl), whose sdl_data is 12
	// bytes on macOS and 46 on FreeBSD.
	SockaddrDLLen int
	// IfAliasreqLen is sizeof(struct ifaliasreq): FreeBSD adds ifra_vhid.
	IfAliasreqLen int
	// In6AliasreqLen is sizeof(struct in6_aliasreq): FreeBSD adds
	// ifra_vhid, padded to the alignment of the time_t lifetimes.
	In6AliasreqLen int
	// AddrIoctl and Addr6Ioctl are the command numbers within group 'i'
	// of SIOCAIFADDR and SIOCAIFADDR_IN6.
	AddrIoctl, Addr6Ioctl uint8
	// PointToPoint is true when the TUN device is point-to-point (macOS
	// utun): an IPv4 address is given with itself as destination. FreeBSD
	// tun devices are put in broadcast mode and get a broadcast address.
	PointToPoint bool
}

// Darwin is the layout of macOS on amd64 and arm64.
var Darwin = Layout{
	Name:           "darwin",
	AFInet6:        30,
	RtMsghdrLen:    92,
	IfaMsghdrLen:   20,
	SockaddrAlign:  4,
	SockaddrDLLen:  20,
	IfAliasreqLen:  64,
	In6AliasreqLen: 128,
	AddrIoctl:      26,
	Addr6Ioctl:     26,
	PointToPoint:   true,
}

// FreeBSD is the layout of FreeBSD 12 and later on amd64 and arm64.
var FreeBSD = Layout{
	Name:           "freebsd",
	AFInet6:        28,
	RtMsghdrLen:    152,
	IfaMsghdrLen:   20,
	SockaddrAlign:  8,
	SockaddrDLLen:  54,
	IfAliasreqLen:  68,
	In6AliasreqLen: 136,
	AddrIoctl:      43,
	Addr6Ioctl:     27,
}

// Address families and routing message constants, the same on macOS and
// FreeBSD (net/route.h, sys/socket.h).
const (
	afInet = 2
	afLink = 18

	rtmVersion = 5

	rtmAdd     = 0x1
	rtmDelete  = 0x2
	rtmGet     = 0x4
	rtmNewAddr = 0xc

	rtfUp      = 0x1
	rtfGateway = 0x2
	rtfHost    = 0x4
	rtfReject  = 0x8
	rtfStatic  = 0x800

	rtaDst     = 0x1
	rtaGateway = 0x2
	rtaNetmask = 0x4
	rtaIFP     = 0x10
	rtaIFA     = 0x20
	rtaMax     = 8
)

// ioctl direction bits and the parameter length mask of sys/ioccom.h.
const (
	iocIn       = 0x80000000
	iocParmMask = 0x1fff
)

// iow is the _IOW(group, num, len) macro of sys/ioccom.h: a command that
// copies len bytes into the kernel. The length is part of the number, so a
// struct of the wrong size is refused by the kernel rather than misread.
func iow(group byte, num uint8, length int) uint {
	return iocIn | uint(length&iocParmMask)<<16 | uint(group)<<8 | uint(num)
}

// addrIoctl is SIOCAIFADDR for l.
func (l Layout) addrIoctl() uint { return iow('i', l.AddrIoctl, l.IfAliasreqLen) }

// addr6Ioctl is SIOCAIFADDR_IN6 for l.
func (l Layout) addr6Ioctl() uint { return iow('i', l.Addr6Ioctl, l.In6AliasreqLen) }

// ifreqLen is sizeof(struct ifreq) on both systems: the name and a 16-byte
// union.
const ifreqLen = 32

// mtuIoctl is SIOCSIFMTU, _IOW('i', 52, struct ifreq) on both systems.
func mtuIoctl() uint { return iow('i', 52, ifreqLen) }

// roundup rounds a sockaddr length up to l's alignment; zero takes one
// unit, as the kernel's macros do.
func (l Layout) roundup(n int) int {
	if n == 0 {
		return l.SockaddrAlign
	}
	return (n + l.SockaddrAlign - 1) &^ (l.SockaddrAlign - 1)
}
