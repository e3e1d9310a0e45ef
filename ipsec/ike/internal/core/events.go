package core

import (
	"net/netip"
	"time"
)

// Event is something the Conn reports to its owner through
// Options.OnEvent: one of *Established, *ChildUp, *ChildRekeyed,
// *ChildDown, *ChildRekeyFailed, *IKERekeyed, *Reauthenticated,
// *ReauthFailed, *Moved, *Down.
type Event interface{ event() }

// Established reports an authenticated IKE SA with its first Child SA.
type Established struct {
	// IKEProposal and ESPProposal are the negotiated proposals in
	// strongSwan syntax ("aes256gcm16-prfsha384-x25519").
	IKEProposal, ESPProposal string
	// KeyExchanges names the IKE SA's key exchanges, the first and the
	// additional ones (RFC 9370): "x25519 + ML-KEM-768".
	KeyExchanges string
	// Local and Remote are the IKE endpoints in use (after any move to
	// port 4500).
	Local, Remote netip.AddrPort
	// LocalID and RemoteID are the authenticated identities.
	LocalID, RemoteID string
	// VirtualIPs and DNS came in the CFG_REPLY (initiator) or were handed
	// out (responder).
	VirtualIPs []netip.Addr
	DNS        []netip.Addr
	// DNSDomains are the INTERNAL_DNS_DOMAIN names of the CFG_REPLY
	// (RFC 8598), which the DNS servers answer for; lower case, without
	// a trailing dot. Empty for a responder.
	DNSDomains []string
	// LocalNAT is true when our address is translated; RemoteNAT when the
	// peer's is (or claims to be, as forced encapsulation does).
	LocalNAT, RemoteNAT bool
	// Child is the first Child SA.
	Child ChildInfo
}

// ChildInfo describes a Child SA without its keys.
type ChildInfo struct {
	InSPI, OutSPI     uint32
	ESPProposal       string
	LocalTS, RemoteTS []netip.Prefix
	// Encap is true when ESP goes in UDP (RFC 3948).
	Encap bool
	// Established is when the SA was installed.
	Established time.Time
}

// ChildUp reports a Child SA created by CREATE_CHILD_SA, not a rekey.
type ChildUp struct{ Child ChildInfo }

// ChildRekeyed reports that New replaced Old, by us or by the peer.
type ChildRekeyed struct{ Old, New ChildInfo }

// ChildDown reports a deleted Child SA that no SA replaced.
type ChildDown struct {
	Child ChildInfo
	// ByPeer is true when the peer deleted it.
	ByPeer bool
}

// ChildRekeyFailed reports a rekey of a Child SA that did not complete:
// the peer refused ours or answered it unusably, or we refused the
// peer's. Child stays in use until it expires; when we started the rekey
// we try again after Retry (zero when it is the peer's to retry). Err is a
// *RekeyError.
type ChildRekeyFailed struct {
	Child ChildInfo
	Err   error
	Retry time.Duration
}

// IKERekeyed reports that the IKE SA was replaced (RFC 7296 §2.18).
type IKERekeyed struct {
	IKEProposal string
	// KeyExchanges names the new SA's key exchanges, as in Established.
	KeyExchanges string
}

// Reauthenticated reports that a new IKE SA, authenticated from scratch
// beside the old one, replaced it together with its Child SAs (RFC 7296
// §2.8.3); the old IKE SA is being deleted.
type Reauthenticated struct {
	// IKEProposal and ESPProposal are the new SAs' proposals.
	IKEProposal, ESPProposal string
	// KeyExchanges names the new IKE SA's key exchanges, as in
	// Established.
	KeyExchanges string
	// LocalID and RemoteID are the identities authenticated again.
	LocalID, RemoteID string
	// VirtualIPs and DNS came in the new CFG_REPLY (initiator) or were
	// handed out again (responder).
	VirtualIPs, DNS []netip.Addr
	// DNSDomains came in the new CFG_REPLY, as in Established.
	DNSDomains []string
	// PreviousVirtualIPs are the addresses of the old IKE SA, and
	// VirtualIPsChanged tells that the gateway assigned others.
	PreviousVirtualIPs []netip.Addr
	VirtualIPsChanged  bool
	// SPIi and SPIr name the new IKE SA, OldSPIi and OldSPIr the one it
	// replaces (RFC 7296 §3.1).
	SPIi, SPIr, OldSPIi, OldSPIr uint64
	// Child is the new first Child SA, which now carries the traffic.
	Child ChildInfo
}

// ReauthFailed reports a reauthentication that did not complete: the old
// IKE SA and its Child SAs stay in use until they are deleted or expire.
type ReauthFailed struct{ Err error }

// Moved reports that the IKE SA and its Child SAs now use a new path
// (MOBIKE, RFC 4555 §3.5), without a rekey: the same SPIs and keys.
type Moved struct {
	// Local and Remote are the IKE endpoints now in use.
	Local, Remote netip.AddrPort
	// LocalNAT and RemoteNAT are the NAT detection results for the path.
	LocalNAT, RemoteNAT bool
}

// Down reports the end of the IKE SA and of every Child SA: Err is nil
// after a clean close by us, ErrDeleted when the peer deleted it, and one
// of the package's typed errors when the negotiation failed or the peer
// became unreachable. No event follows it.
type Down struct{ Err error }

func (*Established) event()      {}
func (*ChildUp) event()          {}
func (*ChildRekeyed) event()     {}
func (*ChildDown) event()        {}
func (*ChildRekeyFailed) event() {}
func (*IKERekeyed) event()       {}
func (*Moved) event()            {}
func (*Reauthenticated) event()  {}
func (*ReauthFailed) event()     {}
func (*Down) event()             {}
