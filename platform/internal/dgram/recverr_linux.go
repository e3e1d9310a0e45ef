package dgram

import (
	"errors"
	"net/netip"
	"syscall"

	"golang.org/x/sys/unix"
)

// EnableRecvErr asks the kernel to queue the ICMP errors of the datagrams
// c sends (IP_RECVERR, IPV6_RECVERR; ip(7), ipv6(7)): an unconnected UDP
// socket is told of none otherwise. Each queued error also makes the next
// read or write on c fail once with its errno (ECONNREFUSED for a port
// unreachable), which is the caller's cue to DrainErrQueue.
func EnableRecvErr(c syscall.RawConn, is4 bool) error {
	level, opt := unix.IPPROTO_IPV6, unix.IPV6_RECVERR
	if is4 {
		level, opt = unix.IPPROTO_IP, unix.IP_RECVERR
	}
	var serr error
	if err := c.Control(func(fd uintptr) {
		serr = unix.SetsockoptInt(int(fd), level, opt, 1)
	}); err != nil {
		return err
	}
	return serr
}

// DrainErrQueue reads up to max entries of c's error queue without
// waiting and hands each ICMP error to f with the destination of the
// datagram it answers. Entries that do not parse are skipped. It uses
// Control rather than Read, so that it neither waits for nor blocks a
// reader blocked on c.
func DrainErrQueue(c syscall.RawConn, max int, f func(dest netip.AddrPort, e ExtendedErr)) error {
	var serr error
	err := c.Control(func(fd uintptr) {
		// The payload is the start of the datagram that bounced, which
		// is not needed; the control message holds the error.
		var buf [64]byte
		var oob [256]byte
		for range max {
			_, oobn, _, from, err := unix.Recvmsg(int(fd), buf[:], oob[:], unix.MSG_ERRQUEUE|unix.MSG_DONTWAIT)
			if err != nil {
				if !errors.Is(err, unix.EAGAIN) {
					serr = err
				}
				return
			}
			dest := sockaddrAddrPort(from)
			cms, err := unix.ParseSocketControlMessage(oob[:oobn])
			if err != nil {
				continue
			}
			for _, m := range cms {
				if !(m.Header.Level == unix.IPPROTO_IP && m.Header.Type == unix.IP_RECVERR) &&
					!(m.Header.Level == unix.IPPROTO_IPV6 && m.Header.Type == unix.IPV6_RECVERR) {
					continue
				}
				if e, err := ParseExtendedErr(m.Data); err == nil && dest.IsValid() {
					f(dest, e)
				}
			}
		}
	})
	if err != nil {
		return err
	}
	return serr
}

// sockaddrAddrPort converts the destination recvmsg reports; invalid for
// anything but an IP socket address.
func sockaddrAddrPort(sa unix.Sockaddr) netip.AddrPort {
	switch a := sa.(type) {
	case *unix.SockaddrInet4:
		return netip.AddrPortFrom(netip.AddrFrom4(a.Addr), uint16(a.Port))
	case *unix.SockaddrInet6:
		return netip.AddrPortFrom(netip.AddrFrom16(a.Addr).Unmap(), uint16(a.Port))
	}
	return netip.AddrPort{}
}

// IsICMPErrno tells whether err is the errno a queued ICMP error makes a
// read or write fail with.
func IsICMPErrno(err error) bool {
	return errors.Is(err, unix.ECONNREFUSED) || errors.Is(err, unix.EHOSTUNREACH) ||
		errors.Is(err, unix.ENETUNREACH) || errors.Is(err, unix.EHOSTDOWN)
}
