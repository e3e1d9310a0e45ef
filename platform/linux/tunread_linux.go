package linux

import (
	"fmt"
	"io"
	"os"
	"sync"
	"sync/atomic"
	"syscall"

	"github.com/espressovpn/espresso/platform/internal/virtionet"
	"golang.org/x/sys/unix"
	"golang.zx2c4.com/wireguard/tun"
)

// BatchReads returns dev with a Read that returns every packet waiting on
// the device, up to the batch size, instead of one read's worth.
//
// golang.zx2c4.com/wireguard/tun reads once per Read: a TCP or UDP
// super-packet fills a batch, but a flood of ordinary packets (many small
// flows, a UDP stream) arrives one per Read, and the batching behind it
// (UDP segmentation offload on the transport, receive offload at the
// peer) gets nothing to batch. Here Read goes on reading while the device
// has packets, doing the virtio network header's work itself (package
// virtionet). Write is dev's, with its coalescing.
//
// A device without IFF_VNET_HDR, or one that is not a Linux TUN device,
// is returned as it is.
func BatchReads(dev tun.Device) (tun.Device, error) {
	f, ok := dev.(interface{ File() *os.File })
	if !ok {
		return dev, nil
	}
	rc, err := f.File().SyscallConn()
	if err != nil {
		return nil, fmt.Errorf("tun: %w", err)
	}
	vnet, err := hasVnetHdr(rc)
	if err != nil {
		return nil, err
	}
	if !vnet {
		return dev, nil
	}
	b := &batchTUN{Device: dev, rc: rc}
	b.fill = b.fillBatch
	return b, nil
}

// hasVnetHdr asks the kernel (TUNGETIFF) whether the device's reads and
// writes carry a virtio network header.
func hasVnetHdr(rc syscall.RawConn) (bool, error) {
	var flags uint16
	var err error
	cerr := rc.Control(func(fd uintptr) {
		var ifr *unix.Ifreq
		if ifr, err = unix.NewIfreq(""); err != nil {
			return
		}
		if err = unix.IoctlIfreq(int(fd), unix.TUNGETIFF, ifr); err != nil {
			return
		}
		flags = ifr.Uint16()
	})
	if cerr != nil {
		return false, fmt.Errorf("tun flags: %w", cerr)
	}
	if err != nil {
		return false, fmt.Errorf("tun flags: %w", err)
	}
	return flags&unix.IFF_VNET_HDR != 0, nil
}

// batchTUN is a TUN device with IFF_VNET_HDR whose Read returns batches.
type batchTUN struct {
	tun.Device
	rc     syscall.RawConn
	closed atomic.Bool
	fill   func(fd uintptr) bool // fillBatch, bound once: Read allocates nothing

	mu      sync.Mutex
	buf     [virtionet.MaxRead]byte
	split   virtionet.Splitter // a super-packet not yet all handed out
	pending error              // a dropped read's error, for the next Read

	// The Read in progress, for fillBatch.
	bufs   [][]byte
	sizes  []int
	offset int
	n      int
	err    error

	superPackets atomic.Uint64 // super-packets split so far, for tests
}

// Read implements tun.Device. It waits for a first packet, then takes
// what else the device holds without waiting. A read that cannot be
// handed out (see virtionet.ErrMalformed) is dropped; its error comes
// back from this Read if no packet does, or else from the next one.
func (b *batchTUN) Read(bufs [][]byte, sizes []int, offset int) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if err := b.pending; err != nil {
		b.pending = nil
		return 0, err
	}
	b.bufs, b.sizes, b.offset, b.n, b.err = bufs[:min(len(bufs), len(sizes))], sizes, offset, 0, nil
	if len(b.bufs) == 0 {
		return 0, nil
	}
	err := b.rc.Read(b.fill)
	n := b.n
	if err == nil {
		err = b.err
	} else if b.closed.Load() {
		err = os.ErrClosed
	}
	b.bufs, b.sizes, b.err = nil, nil, nil
	if err != nil && n > 0 {
		b.pending, err = err, nil
	}
	return n, err
}

// fillBatch reads packets into the Read's buffers until they are full or
// the device is empty; it returns false, to wait for the device, while it
// has none.
func (b *batchTUN) fillBatch(fd uintptr) bool {
	for b.n < len(b.bufs) {
		if b.split.More() {
			size, err := b.split.Next(b.bufs[b.n][b.offset:])
			if err != nil {
				b.err = fmt.Errorf("tun read: %w", err)
				return true
			}
			b.sizes[b.n] = size
			b.n++
			continue
		}
		m, err := unix.Read(int(fd), b.buf[:])
		switch {
		case err == unix.EINTR:
			continue
		case err == unix.EAGAIN:
			return b.n > 0
		case err == unix.EBADFD:
			// The device was detached from the file.
			b.err = os.ErrClosed
			return true
		case err != nil:
			b.err = os.NewSyscallError("read", err)
			return true
		case m == 0:
			b.err = io.EOF
			return true
		}
		if err := b.split.Reset(b.buf[:m]); err != nil {
			b.err = fmt.Errorf("tun read: %w", err)
			return true
		}
		if b.split.Segmented() {
			b.superPackets.Add(1)
		}
	}
	return true
}

// Close implements tun.Device.
func (b *batchTUN) Close() error {
	b.closed.Store(true)
	return b.Device.Close()
}
