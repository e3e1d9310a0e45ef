package platform

import (
	"net/netip"
)

// UDPConfig describes a UDP socket for IKE and ESP-in-UDP.
type UDPConfig struct {
	// Addr is the local address and port to bind. Its family (IPv4 or
	// IPv6, unspecified allowed) decides the socket's family; port 0 picks
	// a free port.
	Addr netip.AddrPort
	// FwMark, when non-zero, is set as SO_MARK so that the policy rule of
	// an allow_peer_ts connection lets the packets out (Linux only).
	FwMark uint32
	// ReportUnreachable makes ReadBatch return a *socket.UnreachableError
	// for each ICMP destination unreachable that answers a datagram sent on
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
