package platform

import (
	"errors"
	"fmt"
	"net/netip"
)

// ErrUnsupported is returned by an operation the running OS does not offer,
// such as raw ESP sockets or socket marks outside Linux. It wraps
// errors.ErrUnsupported.
var ErrUnsupported = fmt.Errorf("platform: %w on this OS", errors.ErrUnsupported)

// ErrClosed is returned by a Tunnel or Transport used after Close.
var ErrClosed = errors.New("platform: closed")

// PeerSelectorError reports a remote traffic selector equal to the IKE peer's
// address while allow_peer_ts is off. Routing that selector into the tunnel
// would route the IKE and ESP packets themselves into the tunnel, so the
// connection would cut itself off; the kernel-libipsec backend refuses the
// same configuration.
type PeerSelectorError struct {
	Peer     netip.Addr
	Selector netip.Prefix
}

func (e *PeerSelectorError) Error() string {
	return fmt.Sprintf("platform: remote traffic selector %s equals the gateway address %s; set allow_peer_ts and a fwmark to route it", e.Selector, e.Peer)
}

// ConfigError reports a Config that cannot be applied as given.
type ConfigError struct {
	Field  string
	Reason string
}

func (e *ConfigError) Error() string {
	return fmt.Sprintf("platform: config %s: %s", e.Field, e.Reason)
}

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
// per ICMP message, when UDPConfig.ReportUnreachable is set. Nothing
// authenticates an ICMP message: anyone on the path, or who guesses the
// ports, can send one, so a caller takes it as a hint, not as proof.
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
		return fmt.Sprintf("platform: ICMP %s unreachable from %s for %s", what, e.From, e.Dest)
	}
	return fmt.Sprintf("platform: ICMP %s unreachable for %s", what, e.Dest)
}
