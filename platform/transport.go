package platform

import "net/netip"

// Datagram is one packet on a Transport.
type Datagram struct {
	// Buf holds the payload. On read the payload is placed at the start of
	// Buf[:cap(Buf)] and Buf is resliced to the length received, so a
	// reused Datagram keeps its full buffer.
	Buf []byte
	// Addr is the peer's address: the source on read, the destination on
	// write. Raw ESP has no ports; its Addr carries port 0.
	Addr netip.AddrPort
}

// Transport sends and receives IKE and ESP packets in batches.
type Transport interface {
	// ReadBatch blocks until at least one datagram arrives, then fills up
	// to len(msgs) of them and returns how many.
	ReadBatch(msgs []Datagram) (n int, err error)

	// WriteBatch sends msgs and returns how many were sent before any
	// error.
	WriteBatch(msgs []Datagram) (n int, err error)

	// BatchSize is the number of datagrams one call handles at most
	// efficiently.
	BatchSize() int

	// LocalAddr is the address the socket is bound to.
	LocalAddr() netip.AddrPort

	// Close closes the socket and unblocks ReadBatch.
	Close() error
}

// UDPConfig describes a UDP socket for IKE and ESP-in-UDP.
type UDPConfig struct {
	// Addr is the local address and port to bind. Its family (IPv4 or
	// IPv6, unspecified allowed) decides the socket's family; port 0 picks
	// a free port.
	Addr netip.AddrPort
	// FwMark, when non-zero, is set as SO_MARK so that the policy rule of
	// an allow_peer_ts connection lets the packets out (Linux only).
	FwMark uint32
	// ReportUnreachable makes ReadBatch return an *UnreachableError for
	// each ICMP destination unreachable that answers a datagram sent on
	// the socket. Linux reads them from the socket's error queue
	// (IP_RECVERR); the BSDs tell only connected sockets, so there nothing
	// is reported and a caller relies on its own timeouts.
	ReportUnreachable bool
}

// RawESPConfig describes a raw socket for IP protocol 50.
type RawESPConfig struct {
	// Local is the local address to bind; its family decides the socket's.
	Local netip.Addr
	// FwMark, when non-zero, is set as SO_MARK.
	FwMark uint32
}
