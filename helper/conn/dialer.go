// Package conn runs one connection state machine per profile: it dials
// through a Dialer, watches the resulting Session, reconnects when the
// session drops and tells watchers about every state change.
//
// Reconnection keeps going as long as the user wants the connection up,
// with a backoff that doubles up to two minutes (RetryPolicy); a network
// change or a resume from sleep (NetworkChanged, Follow) cuts the wait
// short. A profile with kill_switch keeps its traffic blocked outside the
// tunnel through a platform.KillSwitch from Connect until Disconnect, and
// Resume picks up what a crashed helper left blocked.
//
// The Dialer is the seam to the code that really connects (the IKEv2
// initiator, the ESP data path and the platform configuration); tests use
// a fake one.
package conn

import (
	"context"
	"errors"
	"net/netip"
	"time"

	prof "github.com/espressovpn/espresso/helper/profile"
	"github.com/espressovpn/espresso/ipsec/ike/creds"
)

// Dialer establishes connections. Dial returns once the tunnel is
// established and the system configured (traffic can flow), or with the
// reason it could not be. It must return soon after ctx is done.
type Dialer interface {
	Dial(ctx context.Context, a Attempt) (Session, error)
}

// Attempt is what one dial works from: the profile, parsed once when the
// connection started, and what this attempt already loaded or looked up,
// so that the Dialer does not do it a second time.
type Attempt struct {
	// Profile is the connection's profile; its Password is the one this
	// attempt uses (empty when an on-demand session is to ask).
	Profile *prof.Profile
	// Credential is the client's certificate chain and key, loaded and
	// checked for this attempt, for a profile that authenticates with a
	// certificate; nil otherwise, or to leave the loading to the Dialer.
	Credential *creds.Credential
	// Gateway is the gateway's address when it is known before the dial:
	// the profile's own, or the one the kill switch looked up for this
	// attempt. The zero Addr leaves the look-up to the Dialer.
	Gateway netip.Addr
}

// Session is one established tunnel.
type Session interface {
	// Info describes the negotiated tunnel; it does not change during the
	// session.
	Info() Info
	// Counters returns the traffic counters so far.
	Counters() Counters
	// Done is closed when the session ends by itself (the gateway deleted
	// it, dead peer detection gave up, the network went away).
	Done() <-chan struct{}
	// Err says why the session ended, once Done is closed.
	Err() error
	// Close ends the session and removes everything it configured on the
	// system. It is safe to call more than once and after Done.
	Close() error
}

// Info is what a session negotiated.
type Info struct {
	// Peer is the gateway's address and port the session talks to; the
	// kill switch lets IKE and ESP reach it while the tunnel is down.
	Peer          netip.AddrPort
	VirtualIPs    []netip.Addr
	DNS           []netip.Addr
	LocalTS       []netip.Prefix
	RemoteTS      []netip.Prefix
	IKEProposal   string
	ESPProposal   string
	NATDetected   bool
	Encapsulation string // api.EncapsulationUDP or api.EncapsulationRaw
	EstablishedAt time.Time
	// Problem is a failure that left the tunnel up, such as a refused
	// rekey (ike.ErrRekeyFailed); nil when there is none. The status
	// shows it as LastError and ErrorCode while connected.
	Problem error
}

// Counters are a session's traffic counters.
type Counters struct {
	BytesIn, BytesOut     uint64
	PacketsIn, PacketsOut uint64
}

// ErrUnavailable is returned by UnavailableDialer.
var ErrUnavailable = errors.New("IKEv2 negotiation is not available in this build")

// UnavailableDialer is the Dialer of a helper built without an IKEv2
// implementation: every Dial fails with ErrUnavailable.
type UnavailableDialer struct{}

// Dial implements Dialer.
func (UnavailableDialer) Dial(context.Context, Attempt) (Session, error) {
	return nil, ErrUnavailable
}
