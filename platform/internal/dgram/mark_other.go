//go:build !linux

package dgram

import (
	"errors"
	"syscall"
)

// SetMark fails: socket marks are a Linux feature.
func SetMark(syscall.RawConn, uint32) error {
	return errors.ErrUnsupported
}
