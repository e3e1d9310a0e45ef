package session

import (
	"context"
	"errors"
	"net/netip"
	"time"

	"github.com/espressovpn/espresso/helper/api"
	"github.com/espressovpn/espresso/helper/profile"
	"github.com/espressovpn/espresso/platform"
)

// What the connection manager (helper/conn) and the session share: the
// manager dials an Attempt through a Dialer and watches the Conn it gets,
// and everything the session returns already carries its failure code
// (Code).

// Dialer establishes connections: Connector is the helper's, a fake one
// stands in for it in the manager's tests. Dial returns once the tunnel
// is established and the system configured (traffic can flow), or with
// the reason it could not be. It must return soon after ctx is done.
type Dialer interface {
	Dial(ctx context.Context, a Attempt) (Conn, error)
}

// Attempt is what one dial works from: the profile, parsed once when the
// connection started, and what the manager already knows for this
// attempt, so that the Dialer does not do it a second time. The Dialer
// loads the profile's own certificate and key once per attempt.
type Attempt struct {
	// Profile is the connection's profile; its Password is the one this
	// attempt uses (empty when an on-demand session is to ask). Its
	// secrets belong to the caller, who wipes them once Dial returned:
	// the Dialer copies those it keeps and wipes its copies when the Conn
	// closes.
	Profile *profile.Profile
	// Gateway is the gateway's address when it is known before the dial:
	// the profile's own, or the one the kill switch looked up for this
	// attempt. The zero Addr leaves the look-up to the Dialer.
	Gateway netip.Addr
	// Prompt asks the user for the EAP password of an on-demand
	// EAP-MSCHAPv2 profile, whose Conn asks (with api.PromptOnDemand)
	// when traffic starts a negotiation without a password, or after the
	// gateway refused the one it had. The Conn may keep it for its
	// lifetime and call it from its own goroutines, with a context it
	// ends when it closes. Nil for every other profile.
	Prompt PasswordPrompt
}

// PasswordPrompt asks the user for the EAP password of the connection
// being dialled and waits for the answer, as long as ctx allows. retry
// tells the user that the gateway refused the password used last. The
// error it returns when it got no password carries its failure code and
// is permanent.
type PasswordPrompt func(ctx context.Context, retry bool) (string, error)

// Conn is one established connection as the one who dialled it sees it;
// Session is the helper's.
type Conn interface {
	// Info describes the negotiated tunnel; it does not change during the
	// connection.
	Info() Info
	// Counters returns the traffic counters so far.
	Counters() Counters
	// Done is closed when the connection ends by itself (the gateway
	// deleted it, dead peer detection gave up, the network went away).
	Done() <-chan struct{}
	// Err says why the connection ended, once Done is closed.
	Err() error
	// Close ends the connection and removes everything it configured on
	// the system. It is safe to call more than once and after Done.
	Close() error
}

// PathObserver is implemented by a Conn that reacts by itself to a
// change of the network under it: with MOBIKE it moves its SAs to the new
// path (RFC 4555 §3.5); without, a liveness check (RFC 7296 §2.4) finds
// out at once whether the gateway still knows the IKE SA, and the
// connection ends if not, which the manager then reconnects. PathChanged
// must not block. A Conn without it is left to its dead peer detection.
type PathObserver interface {
	PathChanged(c Change)
}

// Change says what changed in the network under the connections, as a
// platform.Monitor reports it.
type Change = platform.Change

// Surroundings is what the system tells about the networks it is
// attached to, by which trusted networks are recognised, as a
// platform.Surveyor reports it.
type Surroundings = platform.Surroundings

// Claims record what each connection routes (Options.Claims); the
// Manager asks them which connections are in a profile's way.
type Claims = platform.Claims

// InTheWay returns the names of the connections in c whose networks
// overlap those p asks for (its remote_ts, less its exclude list).
func InTheWay(c *Claims, p *profile.Profile) []string {
	return c.Overlapping(p.Name, platform.Networks{Routed: p.Selectors(), Exclude: p.Exclude})
}

// Info is what a connection negotiated.
type Info struct {
	// Peer is the gateway's address and port the connection talks to;
	// the kill switch lets IKE and ESP reach it while the tunnel is down.
	Peer          netip.AddrPort
	VirtualIPs    []netip.Addr
	DNS           []netip.Addr
	DNSDomains    []string
	LocalTS       []netip.Prefix
	RemoteTS      []netip.Prefix
	IKEProposal   string
	KeyExchanges  string
	ESPProposal   string
	NATDetected   bool
	Encapsulation string // api.EncapsulationUDP or api.EncapsulationRaw
	EstablishedAt time.Time
	// Blocked are what the profile asked to tunnel and the gateway did
	// not grant, refused by the platform (platform.Config.Blocked).
	Blocked []netip.Prefix
	// Problem is a failure that left the tunnel up, such as a refused
	// rekey (ike.ErrRekeyFailed); nil when there is none. The status
	// shows it as LastError and ErrorCode while connected.
	Problem error
}

// Counters are a connection's traffic counters.
type Counters struct {
	BytesIn, BytesOut     uint64
	PacketsIn, PacketsOut uint64
	// Drops are the packets and IKE messages dropped, by reason; nil
	// when there were none.
	Drops map[string]uint64
}

// Logger records log entries; *logring.Ring implements it.
type Logger interface {
	Logf(level api.Level, connection, format string, args ...any)
}

// LevelLogger is a Logger that tells whether it keeps entries of a level,
// as *logring.Ring does. A session logs debug detail (each IKE message,
// the data path's drops) only to a LevelLogger that keeps debug entries.
type LevelLogger interface {
	Logger
	Enabled(level api.Level) bool
}

// ErrUnavailable is returned by UnavailableDialer, and by a Connector
// without a network or a Negotiator.
var ErrUnavailable = errors.New("IKEv2 negotiation is not available in this build")

// UnavailableDialer is the Dialer of a helper built without an IKEv2
// implementation: every Dial fails with ErrUnavailable.
type UnavailableDialer struct{}

// Dial implements Dialer.
func (UnavailableDialer) Dial(context.Context, Attempt) (Conn, error) {
	return nil, ErrUnavailable
}
