package core

import (
	"net/netip"

	"github.com/espressovpn/espresso/ipsec/esp"
	"github.com/espressovpn/espresso/ipsec/spd"
)

// DefaultReqID is the ReqID of a Conn's Child SAs when Options.ReqID is
// 0: the ReqID under which a data path holds the connection's policies,
// and an on-demand trap waits for the first Child SA.
const DefaultReqID = 1

// DataPath is the ESP engine a Conn installs its Child SAs into. The
// Conn calls it from its own goroutine, one call at a time.
//
// Make-before-break (RFC 7296 §2.8): a rekey first adds the new SA's
// inbound direction while the old one still works, then moves outbound
// traffic to the new SA, and removes the old SA last, after the peer has
// had the chance to switch too. No packet needs to be dropped on the way.
type DataPath interface {
	// AddInbound starts accepting ESP with the SA's inbound SPI.
	AddInbound(sa *ChildSA) error
	// SetOutbound makes sa carry the outbound traffic to its remote
	// selectors, replacing the SA with inbound SPI replaces (0: none).
	SetOutbound(sa *ChildSA, replaces uint32) error
	// Remove deletes both directions of the SA; its keys are no longer
	// needed.
	Remove(sa *ChildSA) error
}

// PeerMover is an optional interface of a DataPath: when the peer's
// address or port changes behind a NAT (RFC 7296 §2.23: a NAT may remap
// the peer's port at any time, and the peer follows the address of
// authenticated requests), the Conn calls MovePeer for each installed
// Child SA, whose Remote then holds the new address, so that
// UDP-encapsulated ESP follows the peer.
type PeerMover interface {
	MovePeer(sa *ChildSA) error
}

// TrafficCounter is an optional interface of a DataPath: the packets a
// Child SA carried so far in each direction. The Conn reads them when its
// liveness timer runs, so that ESP from the peer counts as a sign of life
// (RFC 7296 §1.4) and ESP of ours that gets no answer is noticed; the data
// path only keeps counting as it does anyway.
type TrafficCounter interface {
	// Traffic returns the packets received and sent on sa; ok is false
	// when the data path does not hold it.
	Traffic(sa *ChildSA) (in, out uint64, ok bool)
}

// ChildSA is a Child SA as the data path needs it: both directions' SPIs,
// algorithms and keys, the selectors, and where to send UDP-encapsulated
// ESP. The keys are the Conn's; the data path copies what it keeps (as
// esp.New does) and must not retain the slices.
type ChildSA struct {
	// ReqID names the connection's policies; a rekeyed SA keeps it. 0
	// means DefaultReqID.
	ReqID             uint32
	Inbound, Outbound esp.Params
	LocalTS, RemoteTS []netip.Prefix
	// Selectors are the negotiated selector pairs with their protocol
	// and ports, which inbound packets must match; when empty, every
	// pair of LocalTS and RemoteTS of one family, of any protocol.
	Selectors []spd.Selector
	// Encap selects UDP encapsulation (RFC 3948) between Local and Remote;
	// without it ESP goes as IP protocol 50 between their addresses.
	Encap         bool
	Local, Remote netip.AddrPort
}
