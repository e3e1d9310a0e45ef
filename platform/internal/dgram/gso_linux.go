package dgram

import (
	"errors"
	"os"
	"strconv"
	"strings"
	"syscall"

	"golang.org/x/sys/unix"
)

// CanSegment reports whether the kernel behind c takes UDP_SEGMENT
// control messages (Linux 4.18 and later): the option can then be read.
func CanSegment(c syscall.RawConn) bool {
	ok := false
	if err := c.Control(func(fd uintptr) {
		_, err := unix.GetsockoptInt(int(fd), unix.IPPROTO_UDP, unix.UDP_SEGMENT)
		ok = err == nil
	}); err != nil {
		return false
	}
	return ok
}

// EnableGRO asks the kernel to coalesce received datagrams (UDP_GRO). It
// refuses kernels before 5.12, whose UDP GRO could not be read back and
// had bugs of its own, as wireguard-go does.
func EnableGRO(c syscall.RawConn) error {
	if !groKernel(kernelRelease()) {
		return errors.ErrUnsupported
	}
	var serr error
	if err := c.Control(func(fd uintptr) {
		serr = unix.SetsockoptInt(int(fd), unix.IPPROTO_UDP, unix.UDP_GRO, 1)
	}); err != nil {
		return err
	}
	return serr
}

func kernelRelease() string {
	var u unix.Utsname
	if unix.Uname(&u) != nil {
		return ""
	}
	return unix.ByteSliceToString(u.Release[:])
}

// groKernel reports whether a kernel release ("6.1.0-13-amd64") is 5.12
// or later.
func groKernel(release string) bool {
	major, rest, _ := strings.Cut(release, ".")
	minor := rest
	if i := strings.IndexFunc(rest, func(r rune) bool { return r < '0' || r > '9' }); i >= 0 {
		minor = rest[:i]
	}
	ma, err1 := strconv.Atoi(major)
	mi, err2 := strconv.Atoi(minor)
	if err1 != nil || err2 != nil {
		return false
	}
	return ma > 5 || ma == 5 && mi >= 12
}

// SegmentFailed tells what a failed send of a UDP_SEGMENT message means.
// resend: the datagrams may go out one per message (the route's MTU is
// smaller than the segment size, or the kernel refused the size).
// disable: the socket cannot segment at all (the device has no checksum
// offload, or the route is through an xfrm policy: EIO), so it is not to
// be tried again.
func SegmentFailed(err error) (resend, disable bool) {
	var se *os.SyscallError
	if !errors.As(err, &se) {
		return false, false
	}
	switch se.Err {
	case unix.EIO:
		return true, true
	case unix.EINVAL, unix.EMSGSIZE:
		return true, false
	}
	return false, false
}
