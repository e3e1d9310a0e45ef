// Package socket is the shape of the datagram sockets IKE and ESP travel
// over: the Datagram, the batched Transport that carries it, and the errors
// a Transport returns. The platform implements Transport over the OS's
// sockets; the ESP engine and IKE use it; neither needs the other's
// package for it.
package socket

import (
	"errors"
	"fmt"
	"net/netip"
)

// Datagram is one packet on a Transport: a UDP payload, or a raw ESP
// packet, and its peer.
type Datagram struct {
	// Buf holds the payload. On read the payload is placed at the start of
	// Buf[:cap(Buf)] and Buf is resliced to the length received, so a
	// reused Datagram keeps its full buffer.
	Buf []byte
	// Addr is the peer's address: the source on read, the destination on
	// write. Raw ESP has no ports; its Addr carries port 0.
	Addr netip.AddrPort
}

// Transport sends and receives IKE and ESP packets in batches. WriteBatch
// may be called from several goroutines at once (the engine's sender, the
// IKE layer and keepalives).
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

// ErrClosed is returned by a Transport used after Close.
var ErrClosed = errors.New("socket: closed")

// UnreachableKind is the kind of an ICMP destination unreachable.
type UnreachableKind int

// Kinds of UnreachableError.
const (
	// PortUnreachable: the host has no socket on the port (ICMP type 3
	// code 3, ICMPv6 type 1 code 4).
	PortUnreachable UnreachableKind = iota + 1
	// HostUnreachable: the host or its network cannot be reached.
	HostUnreachable
)

// UnreachableError reports an ICMP destination unreachable that came back
// for a datagram the Transport sent to Dest. ReadBatch returns it, once
// per ICMP message, when the platform's UDPConfig.ReportUnreachable is
// set. Nothing authenticates an ICMP message: anyone on the path, or who
// guesses the ports, can send one, so a caller takes it as a hint, not as
// proof.
type UnreachableError struct {
	// Dest is the destination of the datagram that bounced.
	Dest netip.AddrPort
	// From is who sent the ICMP message, when the OS says.
	From netip.Addr
	Kind UnreachableKind
}

func (e *UnreachableError) Error() string {
	what := "host"
	if e.Kind == PortUnreachable {
		what = "port"
	}
	if e.From.IsValid() {
		return fmt.Sprintf("socket: ICMP %s unreachable from %s for %s", what, e.From, e.Dest)
	}
	return fmt.Sprintf("socket: ICMP %s unreachable for %s", what, e.Dest)
}
