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

// ErrClosed is returned by a Tunnel, or a device of it, used after Close; a
// Transport returns socket.ErrClosed.
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
