//go:build !linux

package dgram

import (
	"errors"

	"golang.org/x/sys/unix"
)

func setBuffers(fd, size int) error {
	var errs []error
	for _, o := range []int{unix.SO_RCVBUF, unix.SO_SNDBUF} {
		// The BSDs refuse a size above kern.ipc.maxsockbuf rather than
		// capping it: halve until one is taken.
		var err error
		for s := size; s >= 64<<10; s /= 2 {
			if err = unix.SetsockoptInt(fd, unix.SOL_SOCKET, o, s); err == nil {
				break
			}
		}
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}
