package ike

import "github.com/espressovpn/espresso/ipsec/ike/wire"

// role is what sets the connection's end of its IKE SA apart from the
// peer's. The initiator (the VPN client) opens the IKE SA and keeps the
// initiative RFC 4555 and RFC 4478 leave to it: it moves the SAs to a new
// path and reauthenticates. The responder (responder.go) answers the
// requests that open an IKE SA and follows the initiator. Everything else,
// rekeys, liveness and deletes, both ends do alike.
type role interface {
	// start runs on the connection's goroutine before anything else.
	start()
	// answerInit handles an IKE_SA_INIT request, answerAuth an IKE_AUTH
	// request on an IKE SA the peer opened.
	answerInit(dg datagram, m *wire.Message)
	answerAuth(sa *ikeSA, h wire.Header, ps wire.Payloads)
	// initResponse handles an IKE_SA_INIT response.
	initResponse(dg datagram, m *wire.Message)
	// reauthenticate starts a reauthentication now (RFC 7296 §2.8.3).
	reauthenticate()
	// leads tells whether this end takes the initiative of address
	// updates (RFC 4555 §3.4) and the NAT mapping checks that call for
	// them (§3.8); the other end follows the peer to where its requests
	// come from.
	leads() bool
	// peerDeletedIKE runs when the peer deletes an IKE SA other than the
	// current one.
	peerDeletedIKE(sa *ikeSA)
	// stop ends the role's own timers and wipes its secrets.
	stop()
}

// initiator is the role of the VPN client: it opens the IKE SA
// (sa_init.go, ike_auth.go, ike_auth_eap.go), reauthenticates it
// (reauth.go), and answers no request that would open one.
type initiator struct {
	*Conn
	// reauthTimer starts the next reauthentication.
	reauthTimer Timer
}

func (i *initiator) start() { i.startInit() }

func (i *initiator) reauthenticate() { i.startReauth() }

// answerInit drops an IKE_SA_INIT request: an initiator accepts none.
func (*initiator) answerInit(datagram, *wire.Message) {}

// answerAuth refuses an IKE_AUTH request: the peer is the responder of
// the IKE SA, and IKE_AUTH requests are ours to send.
func (i *initiator) answerAuth(sa *ikeSA, h wire.Header, _ wire.Payloads) {
	i.xchg.respond(sa, h, wire.Payloads{wire.NewNotify(wire.InvalidSyntax, nil)})
}

func (*initiator) leads() bool { return true }

func (*initiator) peerDeletedIKE(*ikeSA) {}

func (i *initiator) stop() {
	if i.reauthTimer != nil {
		i.reauthTimer.Stop()
	}
}
