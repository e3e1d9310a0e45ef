package platform

import (
	"syscall"

	"golang.org/x/sys/unix"
)

// udpBatchSize is how many datagrams one recvmmsg or sendmmsg moves.
const udpBatchSize = 64

// setMark sets SO_MARK so that policy routing can tell the helper's own IKE
// and ESP packets apart (the "not fwmark" rule of allow_peer_ts).
func setMark(c syscall.RawConn, mark uint32) error {
	var serr error
	if err := c.Control(func(fd uintptr) {
		serr = unix.SetsockoptInt(int(fd), unix.SOL_SOCKET, unix.SO_MARK, int(mark))
	}); err != nil {
		return err
	}
	return serr
}
