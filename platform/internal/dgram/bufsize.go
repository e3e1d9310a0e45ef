package dgram

import "syscall"

// SocketBuffer is the receive and send buffer size the transports ask for:
// the defaults (about 200 KiB on Linux) hold a couple of milliseconds of a
// gigabit flow, so a burst of ESP overflows them while the engine's reader
// is descheduled. 4 MiB holds about 30 ms at 1 Gbit/s.
const SocketBuffer = 4 << 20

// SetBuffers raises c's SO_RCVBUF and SO_SNDBUF to size. On Linux it
// tries SO_RCVBUFFORCE and SO_SNDBUFFORCE first, which root may use past
// net.core.rmem_max and wmem_max; otherwise the system caps the sizes
// at its limits (kern.ipc.maxsockbuf on the BSDs). It reports the first
// failure; a capped size is not one.
func SetBuffers(c syscall.RawConn, size int) error {
	var serr error
	if err := c.Control(func(fd uintptr) { serr = setBuffers(int(fd), size) }); err != nil {
		return err
	}
	return serr
}
