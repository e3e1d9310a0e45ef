//go:build !linux

package platform

import "syscall"

// udpBatchSize is 1 where x/net has no recvmmsg and reads one datagram per
// call.
const udpBatchSize = 1

// setMark fails: socket marks are a Linux feature.
func setMark(syscall.RawConn, uint32) error {
	return ErrUnsupported
}
