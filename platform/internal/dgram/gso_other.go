//go:build !linux

package dgram

import (
	"errors"
	"syscall"
)

// CanSegment reports false: UDP_SEGMENT is Linux's. The BSDs' and macOS's
// sockets send one datagram per call.
func CanSegment(syscall.RawConn) bool { return false }

// EnableGRO fails: UDP_GRO is Linux's.
func EnableGRO(syscall.RawConn) error { return errors.ErrUnsupported }

// SegmentFailed reports that nothing is to be done: no message is ever
// segmented here.
func SegmentFailed(error) (resend, disable bool) { return false, false }
