package core

import "github.com/espressovpn/espresso/ipsec/ike/wire"

// Role is what sets the connection's end of its IKE SA apart from the
// peer's. The initiator (the VPN client) opens the IKE SA and keeps the
// initiative RFC 4555 and RFC 4478 leave to it: it moves the SAs to a new
// path and reauthenticates. The responder (package responder) answers the
// requests that open an IKE SA and follows the initiator. Everything else,
// rekeys, liveness and deletes, both ends do alike.
type Role interface {
	// Start runs on the connection's goroutine before anything else.
	Start()
	// AnswerInit handles an IKE_SA_INIT request, answerAuth an IKE_AUTH
	// request on an IKE SA the peer opened.
	AnswerInit(dg Datagram, m *wire.Message)
	AnswerAuth(sa *IKESA, h wire.Header, ps wire.Payloads)
	// InitResponse handles an IKE_SA_INIT response.
	InitResponse(dg Datagram, m *wire.Message)
	// Reauthenticate starts a reauthentication now (RFC 7296 §2.8.3).
	Reauthenticate()
	// Leads tells whether this end takes the initiative of address
	// updates (RFC 4555 §3.4) and the NAT mapping checks that call for
	// them (§3.8); the other end follows the peer to where its requests
	// come from.
	Leads() bool
	// PeerDeletedIKE runs when the peer deletes an IKE SA other than the
	// current one.
	PeerDeletedIKE(sa *IKESA)
	// Stop ends the role's own timers and wipes its secrets.
	Stop()
}

// initiator is the role of the VPN client: it opens the IKE SA
// (sa_init.go, ike_auth.go, ike_auth_eap.go), reauthenticates it
// (reauth.go), and answers no request that would open one.
type initiator struct {
	*Machine
	// reauthTimer starts the next reauthentication.
	reauthTimer Timer
}

func (i *initiator) Start() { i.startInit() }

func (i *initiator) Reauthenticate() { i.startReauth() }

// AnswerInit drops an IKE_SA_INIT request: an initiator accepts none.
func (*initiator) AnswerInit(Datagram, *wire.Message) {}

// AnswerAuth refuses an IKE_AUTH request: the peer is the responder of
// the IKE SA, and IKE_AUTH requests are ours to send.
func (i *initiator) AnswerAuth(sa *IKESA, h wire.Header, _ wire.Payloads) {
	i.Xchg.Respond(sa, h, wire.Payloads{wire.NewNotify(wire.InvalidSyntax, nil)})
}

func (*initiator) Leads() bool { return true }

func (*initiator) PeerDeletedIKE(*IKESA) {}

func (i *initiator) Stop() {
	if i.reauthTimer != nil {
		i.reauthTimer.Stop()
	}
}
