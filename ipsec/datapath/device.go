// Package datapath is the ESP engine: it carries IP packets between a packet
// device (a TUN) and a datagram transport (the IKE UDP socket, or a raw ESP
// socket), encrypting and decrypting them with the SAs the IKE layer
// installs, in parallel across cores and with bounded memory.
package datapath

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
