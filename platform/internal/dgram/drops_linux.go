package dgram

import (
	"encoding/binary"
	"fmt"
	"syscall"
	"unsafe"

	"golang.org/x/sys/unix"
)

// skMeminfoVars is the length of SO_MEMINFO's array in Linux 4.12, the
// first to offer the option; later kernels may add counters, which a
// shorter buffer leaves out.
const skMeminfoVars = 9

// skMeminfoDrops is the index of the drop count in SO_MEMINFO's array of
// 32-bit counters (SK_MEMINFO_DROPS in Linux's uapi/linux/sock_diag.h,
// which x/sys/unix does not define).
const skMeminfoDrops = 8

// meminfoDrops returns the drop count of an SO_MEMINFO answer: n bytes of
// native-endian 32-bit counters in b. ok is false when the answer is too
// short to hold it.
func meminfoDrops(b []byte, n int, order binary.ByteOrder) (drops uint32, ok bool) {
	end := (skMeminfoDrops + 1) * 4
	if n < end || len(b) < end {
		return 0, false
	}
	return order.Uint32(b[skMeminfoDrops*4:]), true
}

// Drops returns the count of datagrams the kernel dropped at the socket
// behind c instead of queueing them for a read, since the socket was
// opened: mostly because its receive buffer was full, also for a bad UDP
// checksum. It is the socket's sk_drops, the "drops" column of
// /proc/net/udp and /proc/net/raw, read through SO_MEMINFO (Linux 4.12)
// from the socket itself: no lookup by inode, whichever network namespace
// the caller's thread is in. The kernel's counter is 32 bits wide and
// wraps.
func Drops(c syscall.RawConn) (uint32, error) {
	var buf [skMeminfoVars * 4]byte
	n := uint32(len(buf))
	var errno syscall.Errno
	if err := c.Control(func(fd uintptr) {
		_, _, errno = unix.Syscall6(unix.SYS_GETSOCKOPT, fd, unix.SOL_SOCKET, unix.SO_MEMINFO,
			uintptr(unsafe.Pointer(&buf[0])), uintptr(unsafe.Pointer(&n)), 0)
	}); err != nil {
		return 0, err
	}
	if errno != 0 {
		return 0, fmt.Errorf("getsockopt SO_MEMINFO: %w", errno)
	}
	d, ok := meminfoDrops(buf[:], int(n), binary.NativeEndian)
	if !ok {
		return 0, fmt.Errorf("getsockopt SO_MEMINFO: %d bytes, no drop count", n)
	}
	return d, nil
}
