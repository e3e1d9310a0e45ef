package platform

import (
	"syscall"

	"github.com/espressovpn/espresso/platform/internal/dgram"
)

// udpBatchSize is how many datagrams one recvmmsg or sendmmsg moves.
const udpBatchSize = 64

// setMark sets SO_MARK so that policy routing can tell the helper's own IKE
// and ESP packets apart (the "not fwmark" rule of allow_peer_ts).
func setMark(c syscall.RawConn, mark uint32) error {
	return dgram.SetMark(c, mark)
}
