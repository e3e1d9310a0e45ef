// Package datapath is the ESP engine: it carries IP packets between a packet
// device (a TUN) and a datagram transport (the IKE UDP socket, or a raw ESP
// socket), encrypting and decrypting them with the SAs the IKE layer
// installs, in parallel across cores and with bounded memory.
package datapath

import "net/netip"

// Device is the shape of golang.zx2c4.com/wireguard/tun.Device's I/O methods, so a
// tun.Device satisfies it directly.
type Device interface {
	// Read reads up to len(bufs) packets, each at bufs[i][offset:], and
	// stores their sizes in sizes.
	Read(bufs [][]byte, sizes []int, offset int) (n int, err error)
	// Write writes the packets bufs[i][offset:].
	Write(bufs [][]byte, offset int) (int, error)
	// BatchSize is the most packets one Read returns.
	BatchSize() int
}

// Datagram is one UDP payload (or raw ESP packet) and its peer.
type Datagram struct {
	Buf  []byte         // on read: Buf resliced to the length received
	Addr netip.AddrPort // on read: the sender; on write: the destination
}

// Transport is a batched datagram socket. WriteBatch may be called from
// several goroutines at once (the engine's sender and the IKE layer).
type Transport interface {
	ReadBatch(msgs []Datagram) (n int, err error)
	WriteBatch(msgs []Datagram) (n int, err error)
	BatchSize() int
}
