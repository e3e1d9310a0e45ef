//go:build !linux

package dgram

import (
	"errors"
	"syscall"
)

// Drops fails: only Linux tells how many datagrams a socket dropped.
func Drops(syscall.RawConn) (uint32, error) {
	return 0, errors.ErrUnsupported
}
