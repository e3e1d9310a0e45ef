//go:build !linux

package dgram

import (
	"errors"
	"net/netip"
	"syscall"
)

// EnableRecvErr fails: the BSDs report ICMP errors only to connected UDP
// sockets (their UDP looks the socket up by its foreign address), and the
// IKE socket stays unconnected so that MOBIKE can move it.
func EnableRecvErr(syscall.RawConn, bool) error {
	return errors.ErrUnsupported
}

// DrainErrQueue does nothing: there is no error queue here.
func DrainErrQueue(syscall.RawConn, int, func(netip.AddrPort, ExtendedErr)) error {
	return nil
}

// IsICMPErrno is false: no ICMP error is queued here.
func IsICMPErrno(error) bool { return false }
