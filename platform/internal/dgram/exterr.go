package dgram

import (
	"encoding/binary"
	"errors"
	"net/netip"
)

// An ICMP error for a datagram a socket sent reaches Linux programs as a
// struct sock_extended_err in a control message of recvmsg(MSG_ERRQUEUE)
// (ip(7), IP_RECVERR), followed by the address of the node that sent the
// ICMP message (SO_EE_OFFENDER). Its fields are in the host's byte order;
// the offender is a struct sockaddr_in or sockaddr_in6. The parsing is
// kept apart from the system calls so that it is tested, and fuzzed, on
// every OS.

// Origins of an extended error (linux/errqueue.h): the ICMP messages of
// each family.
const (
	eeOriginICMP  = 2
	eeOriginICMP6 = 3
)

// extErrLen is the size of struct sock_extended_err.
const extErrLen = 16

// ExtendedErr is a parsed struct sock_extended_err.
type ExtendedErr struct {
	Errno  uint32
	Origin uint8
	// Type and Code are the ICMP or ICMPv6 message's.
	Type, Code uint8
	// Offender is the address that sent the ICMP message; invalid when
	// the kernel did not give it.
	Offender netip.Addr
}

// Unreachable is the kind of destination unreachable an ICMP error
// reports.
type Unreachable int

// Kinds of destination unreachable.
const (
	// NotUnreachable: another ICMP error (a packet too big, a time
	// exceeded, a destination administratively prohibited...).
	NotUnreachable Unreachable = iota
	// PortUnreachable: the destination host has no socket on the port
	// (ICMP type 3 code 3, ICMPv6 type 1 code 4).
	PortUnreachable
	// HostUnreachable: the destination host or its network cannot be
	// reached (ICMP type 3 codes 0 and 1, ICMPv6 type 1 codes 0 and 3).
	HostUnreachable
)

// errShort reports an extended error shorter than its structure.
var errShort = errors.New("dgram: extended error too short")

// ParseExtendedErr parses the body of an IP_RECVERR or IPV6_RECVERR
// control message. Whatever b holds, it returns an error rather than
// fail: the offender is left invalid when it is missing or malformed.
func ParseExtendedErr(b []byte) (ExtendedErr, error) {
	if len(b) < extErrLen {
		return ExtendedErr{}, errShort
	}
	e := ExtendedErr{
		Errno:  binary.NativeEndian.Uint32(b[0:4]),
		Origin: b[4],
		Type:   b[5],
		Code:   b[6],
	}
	e.Offender = parseSockaddr(b[extErrLen:])
	return e, nil
}

// parseSockaddr reads a struct sockaddr_in or sockaddr_in6 (Linux's
// layout: family in host order, port, then the address), or returns the
// invalid address.
func parseSockaddr(b []byte) netip.Addr {
	if len(b) < 2 {
		return netip.Addr{}
	}
	switch binary.NativeEndian.Uint16(b[0:2]) {
	case afInet:
		if len(b) >= 8 {
			return netip.AddrFrom4([4]byte(b[4:8]))
		}
	case afInet6:
		if len(b) >= 24 {
			return netip.AddrFrom16([16]byte(b[8:24]))
		}
	}
	return netip.Addr{}
}

// Linux's address family numbers, which the offender carries.
const (
	afInet  = 2
	afInet6 = 10
)

// Unreachable tells which destination unreachable e reports, if any.
func (e ExtendedErr) Unreachable() Unreachable {
	switch e.Origin {
	case eeOriginICMP:
		if e.Type != 3 { // destination unreachable (RFC 792)
			return NotUnreachable
		}
		switch e.Code {
		case 3:
			return PortUnreachable
		case 0, 1:
			return HostUnreachable
		}
	case eeOriginICMP6:
		if e.Type != 1 { // destination unreachable (RFC 4443 §3.1)
			return NotUnreachable
		}
		switch e.Code {
		case 4:
			return PortUnreachable
		case 0, 3:
			return HostUnreachable
		}
	}
	return NotUnreachable
}
