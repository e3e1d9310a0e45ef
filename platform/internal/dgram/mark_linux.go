package dgram

import (
	"syscall"

	"golang.org/x/sys/unix"
)

// SetMark sets SO_MARK on c, so that policy routing and the kill switch
// can tell the helper's own packets apart.
func SetMark(c syscall.RawConn, mark uint32) error {
	var serr error
	if err := c.Control(func(fd uintptr) {
		serr = unix.SetsockoptInt(int(fd), unix.SOL_SOCKET, unix.SO_MARK, int(mark))
	}); err != nil {
		return err
	}
	return serr
}
