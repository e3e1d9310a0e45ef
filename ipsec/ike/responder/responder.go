package responder

import (
	"github.com/espressovpn/espresso/ipsec/ike"
	"github.com/espressovpn/espresso/ipsec/ike/internal/core"
	"github.com/espressovpn/espresso/ipsec/ike/wire"
)

// New validates cfg and starts a Conn as responder: it waits for the
// peer's IKE_SA_INIT. Close stops it.
func New(cfg ike.Config, socks ike.Sockets, opt ike.Options) (*ike.Conn, error) {
	return core.New(cfg, socks, opt, NewRole)
}

// NewRole builds the responder's role on m, for the module's own tests
// that drive a connection without its goroutines.
func NewRole(m *core.Machine) core.Role { return &responder{Machine: m} }

// responder is the role of the end that waits for its peer, for in-process
// tests and host-to-host tunnels: it answers IKE_SA_INIT
// (sa_init_responder.go) and IKE_AUTH (ike_auth_responder.go,
// ike_auth_eap_responder.go), and accepts the initiator's
// reauthentication beside the IKE SA it replaces.
type responder struct {
	*core.Machine
	// halfOpen gives up an IKE SA whose IKE_AUTH never comes.
	halfOpen core.Timer
	// cookieSecret keys the stateless cookies (RFC 7296 §2.6).
	cookieSecret []byte
}

// Start waits: the peer opens the IKE SA.
func (*responder) Start() {}

// InitResponse drops an IKE_SA_INIT response: a responder sends no
// IKE_SA_INIT request.
func (*responder) InitResponse(core.Datagram, *wire.Message) {}

// Reauthenticate does nothing: the initiator reauthenticates.
func (*responder) Reauthenticate() {}

// Leads is false: the initiator moves the SAs and reauthenticates, and
// the responder follows the peer to where its requests come from.
func (*responder) Leads() bool { return false }

func (s *responder) PeerDeletedIKE(sa *core.IKESA) { s.supersede(sa) }

func (s *responder) Stop() {
	s.stopHalfOpen()
	clear(s.cookieSecret)
}

// stopHalfOpen stops the half-open guard once IKE_AUTH completed.
func (s *responder) stopHalfOpen() {
	if s.halfOpen != nil {
		s.halfOpen.Stop()
	}
}
