package datapath

import (
	"errors"
	"fmt"
	"runtime"
	"time"

	"github.com/espressovpn/espresso/ipsec/socket"
)

// Config configures an Engine. Zero fields take the defaults shown.
type Config struct {
	// Device carries cleartext IP packets. Required.
	Device Device
	// UDP is the NAT-T socket (port 4500): ESP in UDP, IKE behind the
	// non-ESP marker, NAT keepalives (RFC 3948). Required. The engine
	// reads and writes its transports but does not close them: their
	// owner does, which ends the engine's readers.
	UDP socket.Transport
	// Raw, if set, carries plain ESP (IP protocol 50) for SAs with
	// sad.EncapRaw; everything read from it is taken as ESP.
	Raw socket.Transport

	// Workers is the number of crypto goroutines (default GOMAXPROCS).
	Workers int
	// QueueBatches is the capacity, in batches, of each direction's queue
	// (default 16). A full queue drops the batch and counts it, unless
	// Backpressure is set.
	QueueBatches int
	// Backpressure makes a reader wait for room in a full queue instead of
	// dropping, so the device or socket behind it holds (and there drops)
	// the excess before any work was spent on it. The helper and
	// lossless in-process links use it; the default, dropping with a
	// counter, keeps a flood visible in Stats.
	Backpressure bool
	// BufferSize is the size of each packet buffer (default
	// BufferSizeFor(MTU)). It bounds the inner packets read from the device
	// and the datagrams read from the transports, IKE messages included:
	// IKE fragmentation (RFC 7383) keeps those under it. With an MTU set it
	// must hold a packet of that size and its ESP overhead.
	BufferSize int
	// DeviceOffset is the offset passed to Device.Write, room the device may
	// use for its own header (default 16, at most 16).
	DeviceOffset int
	// CoalesceWrites makes the device writer copy each batch of inner
	// packets into buffers of 64 KiB before Device.Write, so a device that
	// coalesces the packets of a flow into one (the Linux TUN device's
	// GRO, golang.zx2c4.com/wireguard/tun) has the room to: it only
	// coalesces within a buffer's capacity, and the engine's own buffers
	// hold one packet. One copy per packet buys one write per flow and
	// batch instead of one per packet. The buffers, one per packet of a
	// batch, are a fixed part of MemoryBound.
	CoalesceWrites bool
	// MTU is the tunnel MTU for TCP MSS clamping of SYNs in both directions;
	// 0 disables clamping.
	MTU int
	// ReplayWindow is the default inbound replay window (default 1024).
	ReplayWindow int
	// IKEQueue is how many IKE datagrams may wait for the IKE handler
	// (default 64); more are dropped and counted.
	IKEQueue int
	// AcquireQueue is how many packets a trap policy holds while its SA is
	// negotiated (default 16), and AcquireTotal how many all of them hold
	// together (default 256).
	AcquireQueue, AcquireTotal int
	// EventQueue is the capacity of the Events channel (default 256).
	EventQueue int
}

const (
	maxDeviceOffset = 16
	// headroom is where the device writes inner packets in a buffer: room
	// for the ESP header and the longest IV (AES-CBC, 16 bytes).
	headroom = 8 + 16
	// tailroom keeps room for the longest padding, trailer and ICV.
	tailroom = 15 + 2 + 32
	maxBatch = 128
	// outerRoom is for what a transport may deliver ahead of the ESP
	// packet: an IPv4 raw socket reads the IP header too, up to 60 bytes.
	outerRoom = 60
	// minBufferSize keeps room for unfragmented IKE messages on the NAT-T
	// port whatever the MTU.
	minBufferSize = 4096
	// deviceRetryDelay is the pause after a failed device Read.
	deviceRetryDelay = 10 * time.Millisecond
	// coalesceSize is the size of a CoalesceWrites buffer: the largest
	// packet the device may build, plus the device's offset.
	coalesceSize = 65535 + maxDeviceOffset
	// MaxMTU is the largest tunnel MTU the engine carries.
	MaxMTU = 9000
)

// BufferSizeFor returns the packet buffer size that carries a tunnel of
// the given MTU (0 for the default): the packet, the ESP header, IV,
// padding, trailer and ICV around it, and an outer IP header, but never
// less than 4096 bytes so that IKE messages keep their room.
func BufferSizeFor(mtu int) int {
	return max(minBufferSize, mtu+headroom+tailroom+outerRoom)
}

func (c *Config) setDefaults() error {
	if c.Device == nil || c.UDP == nil {
		return errors.New("datapath: Device and UDP are required")
	}
	def := func(v *int, d int) {
		if *v <= 0 {
			*v = d
		}
	}
	def(&c.Workers, runtime.GOMAXPROCS(0))
	def(&c.QueueBatches, 16)
	if c.MTU > MaxMTU {
		return fmt.Errorf("datapath: MTU %d above %d", c.MTU, MaxMTU)
	}
	def(&c.BufferSize, BufferSizeFor(c.MTU))
	def(&c.DeviceOffset, 16)
	def(&c.ReplayWindow, 1024)
	def(&c.IKEQueue, 64)
	def(&c.AcquireQueue, 16)
	def(&c.AcquireTotal, 256)
	def(&c.EventQueue, 256)
	if c.DeviceOffset > maxDeviceOffset {
		return errors.New("datapath: DeviceOffset above 16")
	}
	if c.BufferSize < 1280+headroom+tailroom {
		return errors.New("datapath: BufferSize too small for a 1280-byte packet")
	}
	if need := c.MTU + headroom + tailroom + outerRoom; c.MTU > 0 && c.BufferSize < need {
		return fmt.Errorf("datapath: BufferSize %d too small for MTU %d (want %d)", c.BufferSize, c.MTU, need)
	}
	return nil
}

func batchSize(n int) int { return min(max(n, 1), maxBatch) }
