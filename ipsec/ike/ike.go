package ike

import (
	"net/netip"

	"github.com/espressovpn/espresso/ipsec/datapath"
	"github.com/espressovpn/espresso/ipsec/ike/internal/core"
	"github.com/espressovpn/espresso/ipsec/ike/wire"
	"github.com/espressovpn/espresso/ipsec/socket"
	"github.com/espressovpn/espresso/ipsec/spd"
)

// The connection and its configuration, events and errors are those of
// the shared core, which the initiator here and the responder (package
// responder) have in common.
type (
	Clock                   = core.Clock
	Timer                   = core.Timer
	SystemClock             = core.SystemClock
	AuthMethod              = core.AuthMethod
	Retransmit              = core.Retransmit
	Config                  = core.Config
	Options                 = core.Options
	Sockets                 = core.Sockets
	Conn                    = core.Conn
	ConfigReplyError        = core.ConfigReplyError
	DataPath                = core.DataPath
	PeerMover               = core.PeerMover
	TrafficCounter          = core.TrafficCounter
	ChildSA                 = core.ChildSA
	EngineDataPath          = core.EngineDataPath
	Counters                = core.Counters
	AuthError               = core.AuthError
	IdentitiesRejectedError = core.IdentitiesRejectedError
	NoProposalError         = core.NoProposalError
	PeerUnreachableError    = core.PeerUnreachableError
	CertificateError        = core.CertificateError
	IdentityMismatchError   = core.IdentityMismatchError
	NotifyError             = core.NotifyError
	UnauthenticatedError    = core.UnauthenticatedError
	KeyExchangeError        = core.KeyExchangeError
	Drops                   = core.Drops
	EAPError                = core.EAPError
	Event                   = core.Event
	Established             = core.Established
	ChildInfo               = core.ChildInfo
	ChildUp                 = core.ChildUp
	ChildRekeyed            = core.ChildRekeyed
	ChildDown               = core.ChildDown
	ChildRekeyFailed        = core.ChildRekeyFailed
	IKERekeyed              = core.IKERekeyed
	Reauthenticated         = core.Reauthenticated
	ReauthFailed            = core.ReauthFailed
	Moved                   = core.Moved
	Down                    = core.Down
	Expiry                  = core.Expiry
	RekeyError              = core.RekeyError
)

const (
	AuthPSK                   = core.AuthPSK
	AuthCert                  = core.AuthCert
	AuthEAP                   = core.AuthEAP
	DefaultRetransmitTimeout  = core.DefaultRetransmitTimeout
	DefaultRetransmitBase     = core.DefaultRetransmitBase
	DefaultRetransmitTries    = core.DefaultRetransmitTries
	DefaultDPDDelay           = core.DefaultDPDDelay
	DefaultDPDTimeout         = core.DefaultDPDTimeout
	DefaultSetupTimeout       = core.DefaultSetupTimeout
	DefaultNATKeepalive       = core.DefaultNATKeepalive
	DefaultIKERekeyTime       = core.DefaultIKERekeyTime
	DefaultChildRekeyTime     = core.DefaultChildRekeyTime
	DefaultDeleteRekeyedDelay = core.DefaultDeleteRekeyedDelay
	DefaultFragmentSize       = core.DefaultFragmentSize
	DefaultIKEPort            = core.DefaultIKEPort
	DefaultNATTPort           = core.DefaultNATTPort
	DefaultReqID              = core.DefaultReqID
)

var (
	ErrAuthFailed          = core.ErrAuthFailed
	ErrNoProposalChosen    = core.ErrNoProposalChosen
	ErrTSUnacceptable      = core.ErrTSUnacceptable
	ErrPeerUnreachable     = core.ErrPeerUnreachable
	ErrCertNotTrusted      = core.ErrCertNotTrusted
	ErrIdentityMismatch    = core.ErrIdentityMismatch
	ErrClosed              = core.ErrClosed
	ErrDeleted             = core.ErrDeleted
	ErrConfigRefused       = core.ErrConfigRefused
	ErrCredentialsRejected = core.ErrCredentialsRejected
	ErrIdentitiesRejected  = core.ErrIdentitiesRejected
	ErrChildExpired        = core.ErrChildExpired
	ErrMOBIKEUnsupported   = core.ErrMOBIKEUnsupported
	ErrReturnRoutability   = core.ErrReturnRoutability
	ErrRekeyFailed         = core.ErrRekeyFailed
	ErrKeyExchange         = core.ErrKeyExchange
)

// New validates cfg and starts a Conn as initiator: it sends its
// IKE_SA_INIT at once. Close stops it. The responder's constructor is
// responder.New.
func New(cfg Config, socks Sockets, opt Options) (*Conn, error) {
	return core.New(cfg, socks, opt, nil)
}

// NewEngineDataPath returns the DataPath of eng.
func NewEngineDataPath(eng *datapath.Engine) *EngineDataPath { return core.NewEngineDataPath(eng) }

// Selectors pairs every local prefix with every remote prefix of the same
// family: the SPD entries of a Child SA whose selectors cover any protocol
// and port. The prefixes are masked, as the policy lookup compares them.
func Selectors(local, remote []netip.Prefix) []spd.Selector { return core.Selectors(local, remote) }

// EngineNATT returns the engine's NAT-T socket, bound to local, for
// Sockets.NATT. The engine owns the socket and reads it; IKE messages on it
// reach the Conn through the engine's IKE handler, which this sets.
func EngineNATT(e *datapath.Engine, local netip.AddrPort) socket.Transport {
	return core.EngineNATT(e, local)
}

// ParseIdentity reads an identity written as strongSwan users write them
// (RFC 7296 §3.5): an IP address, "user@example.com" (RFC 822),
// "host.example.com" (FQDN), a distinguished name such as "C=XX, O=Example,
// CN=gw", and the prefixes "@" (FQDN), "@@" (RFC 822) and "@#" (key ID in
// hex). It is auth.ParseIdentity, kept here for the package's users.
func ParseIdentity(s string) (wire.Identity, error) { return core.ParseIdentity(s) }
