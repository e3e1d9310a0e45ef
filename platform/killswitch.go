package platform

import (
	"fmt"
	"net/netip"
)

// KillSwitchMark is the socket mark (SO_MARK) of the helper's own sockets
// whose packets a kill switch lets through: IKE and ESP to the gateway and
// the look-ups of the gateway's name. A profile's own fwmark serves the
// same purpose when it has one.
const KillSwitchMark uint32 = 0x65737072

// KillSwitch keeps a connection's traffic from leaving outside its tunnel
// while the user wants the connection up: from Connect until Disconnect,
// through every reconnection in between. It is independent of the
// connection's Tunnel, whose Close removes the tunnel's routes on every
// reconnection; the block stays in place meanwhile.
//
// A block survives the helper's crash: a process that dies leaves it in
// the kernel and its record in the state directory, so that nothing leaks
// in the clear until a new helper either reconnects the connection or the
// user ends it. Engaged lists such blocks for the new process.
type KillSwitch interface {
	// Engage puts the block of the connection called name in place, or
	// changes it to cfg. It is idempotent; a refused cfg changes nothing.
	Engage(name string, cfg *BlockConfig) error

	// Release lifts the connection's block and deletes its record.
	// Releasing a connection without a block is not an error.
	Release(name string) error

	// Engaged returns the names of the connections whose block is
	// recorded, including those an earlier helper process left, sorted.
	Engaged() ([]string, error)
}

// BlockConfig is what a kill switch blocks for one connection. Packets
// that leave through a TUN device of the helper, through loopback, or
// from a socket marked KillSwitchMark or Mark always pass.
type BlockConfig struct {
	// Protected are the destinations that never leave in the clear: the
	// profile's remote traffic selectors.
	Protected []netip.Prefix

	// Exclude are destinations that may leave in the clear even when
	// Protected or BlockOutside covers them (the profile's exclude list).
	Exclude []netip.Prefix

	// BlockOutside blocks every IPv4 and IPv6 packet that does not leave
	// through the tunnel, not only those for Protected, except what
	// keeps the links themselves working (IPv6 neighbour discovery,
	// DHCP).
	BlockOutside bool

	// Gateways are the gateway's addresses, which IKE (UDP ports 500 and
	// 4500, RFC 7296 §2.23) and ESP (IP protocol 50, RFC 4303) may reach
	// in the clear whatever marks their sockets carry.
	Gateways []netip.Addr

	// Mark is the profile's own socket mark (its fwmark), whose packets
	// pass as well; those marked KillSwitchMark always do. Whatever
	// carries the mark passes, so only root may choose it (the helper's
	// API refuses a mark from anyone else).
	Mark uint32

	// Up reports that the tunnel is established. While it is not, DNS
	// queries (TCP and UDP port 53, DNS over TLS on 853) outside the
	// tunnel are refused too: the tunnel's resolvers are not configured
	// then, and the names the user looks up would otherwise go to the
	// local network's resolver in the clear.
	Up bool
}

// WithDefaults returns a copy of b with every prefix masked and gateway
// addresses unmapped.
func (b BlockConfig) WithDefaults() BlockConfig {
	b.Protected = maskAll(b.Protected)
	b.Exclude = maskAll(b.Exclude)
	if b.Gateways != nil {
		gws := make([]netip.Addr, len(b.Gateways))
		for i, a := range b.Gateways {
			gws[i] = a.Unmap()
		}
		b.Gateways = gws
	}
	return b
}

// Validate checks b before a kill switch applies it.
func (b *BlockConfig) Validate() error {
	for _, p := range b.Protected {
		if !p.IsValid() {
			return &ConfigError{Field: "kill switch", Reason: "invalid protected prefix"}
		}
	}
	for _, p := range b.Exclude {
		if !p.IsValid() {
			return &ConfigError{Field: "kill switch", Reason: "invalid excluded prefix"}
		}
	}
	for _, a := range b.Gateways {
		if !a.IsValid() {
			return &ConfigError{Field: "kill switch", Reason: "invalid gateway address"}
		}
	}
	if len(b.Protected) == 0 && !b.BlockOutside {
		return &ConfigError{Field: "kill switch", Reason: "nothing to protect"}
	}
	return nil
}

// KillSwitchError wraps a failure to put a block in place, so that the
// connection manager can tell it from a failed negotiation: a connection
// whose kill switch cannot be engaged does not start.
type KillSwitchError struct {
	Err error
}

func (e *KillSwitchError) Error() string {
	return fmt.Sprintf("kill switch: %v", e.Err)
}

// Unwrap returns the cause.
func (e *KillSwitchError) Unwrap() error { return e.Err }
