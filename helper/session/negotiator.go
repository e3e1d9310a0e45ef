package session

import (
	"crypto"
	"crypto/x509"
	"net/netip"
	"time"

	"github.com/espressovpn/espresso/helper/api"
	"github.com/espressovpn/espresso/ipsec/esp"
	"github.com/espressovpn/espresso/ipsec/suite"
	"github.com/espressovpn/espresso/platform"
)

// Negotiator starts the IKEv2 initiator of one connection. It is the seam
// between the session and the IKE implementation (ikev2.Initiator in the
// helper, a fake in tests).
type Negotiator interface {
	// Start begins negotiating with the peer of p over the sockets of io
	// and returns at once; the outcome arrives through io.OnEvent.
	Start(p Params, io Plumbing) (Negotiation, error)
}

// Negotiation is one running IKE SA with its Child SAs.
type Negotiation interface {
	// Deliver hands over an IKE message the session read from one of the
	// sockets: natt is true for the NAT-T socket, from which the non-ESP
	// marker (RFC 3948 §2.2) has been removed. b is only valid during the
	// call.
	Deliver(b []byte, from netip.AddrPort, natt bool)
	// Unreachable hands over an ICMP destination unreachable that came
	// back for a datagram sent to dest on the IKE socket
	// (platform.UnreachableError): unauthenticated, a hint at most.
	Unreachable(dest netip.AddrPort)
	// RekeyChild rekeys the Child SAs now, as when an SA's sequence
	// numbers are nearly used up (RFC 4303 §3.3.3).
	RekeyChild()
	// Close deletes the IKE SA (RFC 7296 §1.4.1), removes its Child SAs
	// from the data path and stops; Down is the last event, if it was not
	// reported before. It does not close the sockets.
	Close() error
}

// Params is what the initiator needs from a profile.
type Params struct {
	// Remote is the gateway's address and IKE port.
	Remote netip.AddrPort
	// LocalAddr is our address towards the gateway as the peer sees it
	// without NAT (for NAT detection, RFC 7296 §2.23): the route's source,
	// while the sockets are bound to the unspecified address.
	LocalAddr netip.Addr
	// LocalID and RemoteID are identities as strongSwan writes them; an
	// empty RemoteID means the gateway's host as the profile names it.
	LocalID, RemoteID string
	// Auth is the profile's method: api.AuthPSK, api.AuthCert,
	// api.AuthEAPMSCHAPv2 or api.AuthEAPTLS. The gateway authenticates
	// with the same PSK, or otherwise with a certificate signed by one of
	// CAs (RFC 7296 §2.16 has the EAP client's gateway use one).
	Auth string
	// PSK is the pre-shared key.
	PSK []byte
	// Cert is the client certificate chain, leaf first, and Key its key,
	// for AuthCert and AuthEAPTLS.
	Cert []*x509.Certificate
	Key  crypto.Signer
	// Username and Password are the EAP-MSCHAPv2 credentials; Username is
	// also the EAP identity of EAP-TLS when set.
	Username, Password string
	// CAs are the trust anchors of the gateway's certificate.
	CAs []*x509.Certificate
	// IKEProposals and ESPProposals are offered in order; nil means the
	// implementation's defaults.
	IKEProposals, ESPProposals []suite.Proposal
	// RemoteTS are the traffic selectors asked for; the local side is
	// whatever virtual IP the gateway assigns.
	RemoteTS []netip.Prefix
	// VirtualIPv4 and VirtualIPv6 ask for virtual addresses (RFC 7296
	// §2.19).
	VirtualIPv4, VirtualIPv6 bool
	// RawESP lets ESP go as IP protocol 50 when no NAT is detected;
	// otherwise it is always UDP-encapsulated (RFC 3948).
	RawESP bool
	// DPD is the liveness check interval and NATKeepalive the keepalive
	// interval; 0 means the default, negative disables.
	DPD, NATKeepalive time.Duration
	// DPDTimeout is how long a liveness check may go unanswered before
	// the gateway is given up and the session ends, so that a restarted
	// gateway is noticed within DPD plus DPDTimeout; 0 means the
	// implementation's default (30 s for ikev2), negative the full
	// retransmission series.
	DPDTimeout time.Duration
	// SetupTimeout is how long each request that sets up the IKE SA
	// (IKE_SA_INIT, IKE_AUTH) may go unanswered before the gateway is
	// given up as unreachable. The session sets half its wait for a
	// negotiation, so that an unanswered gateway is reported as
	// unreachable rather than as a negotiation out of time.
	SetupTimeout time.Duration
}

// Plumbing is what the session lends the initiator.
type Plumbing struct {
	// IKE and NATT are the sockets for port 500 and 4500 traffic. The
	// session reads both and hands IKE messages to Deliver; the initiator
	// only writes.
	IKE, NATT platform.Transport
	// DataPath receives the Child SAs.
	DataPath DataPath
	// OnEvent receives the events, one at a time; it may block briefly.
	OnEvent func(Event)
	// Logf records the negotiation's progress in the helper's log, under
	// the profile's name. It must never be given key material.
	Logf func(level api.Level, format string, args ...any)
}

// DataPath is where the initiator installs Child SAs, make-before-break
// (RFC 7296 §2.8): a rekeyed SA's inbound direction is added first, then
// outbound traffic moves to it, and the old SA is removed last. Traffic
// tells the packets an SA carried each way so far, which the initiator
// reads now and then to base its liveness checks on inbound silence; ok
// is false for an SA the data path does not hold.
type DataPath interface {
	AddInbound(sa *ChildSA) error
	SetOutbound(sa *ChildSA, replaces uint32) error
	Remove(sa *ChildSA) error
	Traffic(sa *ChildSA) (in, out uint64, ok bool)
}

// ChildSA is one negotiated Child SA with its keys; the data path copies
// what it keeps.
type ChildSA struct {
	// ReqID names the policies the SA serves; a rekeyed SA keeps its
	// predecessor's. 0 means the session's main ReqID.
	ReqID             uint32
	Inbound, Outbound esp.Params
	LocalTS, RemoteTS []netip.Prefix
	// Encap is true when ESP goes in UDP to Remote (RFC 3948); otherwise
	// as IP protocol 50 to Remote's address.
	Encap  bool
	Remote netip.AddrPort
}

// Event is one of *Established, *ChildUp, *ChildRekeyed,
// *ChildRekeyFailed, *ChildDown, *Moved and *Down.
type Event interface{ sessionEvent() }

// Established reports an authenticated IKE SA with its first Child SA.
type Established struct {
	IKEProposal, ESPProposal string
	VirtualIPs, DNS          []netip.Addr
	// NAT is true when a NAT was detected on either side.
	NAT bool
	// Encap is true when the Child SA's ESP goes in UDP.
	Encap             bool
	LocalTS, RemoteTS []netip.Prefix
}

// ChildRekeyed reports a Child SA replaced by a new one.
type ChildRekeyed struct {
	ESPProposal string
}

// ChildRekeyFailed reports a rekey of the Child SA that did not complete,
// refused by the gateway or by us; the old SA stays in use until it
// expires. Err names the notify (an *ike.RekeyError, ike.ErrRekeyFailed).
type ChildRekeyFailed struct{ Err error }

// ChildUp reports a further Child SA, created by CREATE_CHILD_SA and not
// replacing one (RFC 7296 §1.3.1).
type ChildUp struct{}

// ChildDown reports a Child SA deleted without a replacement.
type ChildDown struct {
	// ByPeer is true when the gateway deleted it.
	ByPeer bool
}

// Down reports the end of the IKE SA; Err is nil after Close.
type Down struct{ Err error }

func (*Established) sessionEvent()      {}
func (*ChildUp) sessionEvent()          {}
func (*ChildRekeyed) sessionEvent()     {}
func (*ChildRekeyFailed) sessionEvent() {}
func (*ChildDown) sessionEvent()        {}
func (*Down) sessionEvent()             {}
