package dgram

import (
	"errors"

	"golang.org/x/sys/unix"
)

func setBuffers(fd, size int) error {
	var errs []error
	for _, o := range [][2]int{{unix.SO_RCVBUFFORCE, unix.SO_RCVBUF}, {unix.SO_SNDBUFFORCE, unix.SO_SNDBUF}} {
		// Without CAP_NET_ADMIN the forced option fails with EPERM; the
		// plain one then gets what the system's limit allows.
		if unix.SetsockoptInt(fd, unix.SOL_SOCKET, o[0], size) == nil {
			continue
		}
		errs = append(errs, unix.SetsockoptInt(fd, unix.SOL_SOCKET, o[1], size))
	}
	return errors.Join(errs...)
}
