package ike

import (
	"errors"

	"github.com/espressovpn/espresso/ipsec/ike/wire"
)

// receive dispatches one datagram: IKE_SA_INIT in the clear, everything
// else to its IKE SA as a request or a response.
func (d *Conn) receive(dg datagram) {
	m, err := wire.ParseMessage(dg.b)
	if errors.Is(err, wire.ErrInvalidMajorVersion) {
		d.answerMajorVersion(dg)
		return
	}
	if err != nil {
		d.log.Debug("ike: unparsable message dropped", "from", dg.from, "err", err)
		return
	}
	h := m.Header
	if h.ExchangeType == wire.IKESAInit {
		if h.IsResponse() {
			d.role.initResponse(dg, m)
		} else {
			d.role.answerInit(dg, m)
		}
		return
	}
	sa := d.findSA(h.SPIi, h.SPIr)
	// The I flag names the SA's original initiator (§3.1): a message
	// claiming our role is our own, reflected.
	if sa == nil || sa.keys == nil || h.IsInitiator() == sa.initiator {
		d.log.Debug("ike: message for no known IKE SA dropped", "exchange", h.ExchangeType)
		return
	}
	if unprotectedInvalidSPI(m) {
		d.live.invalidSPI(sa, dg.from, h)
		return
	}
	if h.IsResponse() {
		d.xchg.handleResponse(sa, dg, m)
	} else {
		d.handleRequest(sa, dg, m)
	}
}

// handleRequest answers a request of the peer: the next one in the window,
// or a retransmission of the last, which gets the same response again.
func (d *Conn) handleRequest(sa *ikeSA, dg datagram, m *wire.Message) {
	h := m.Header
	if sa.lastResp != nil && h.MessageID == sa.lastResp.id {
		// Retransmitted request: answer once per message, on its first
		// fragment (RFC 7383 §2.6.1), after checking it is genuine.
		o, err := sa.keys.open(dg.b, m)
		if err == nil && o.frag <= 1 {
			d.xchg.reply(sa.lastResp.pkts, dg)
		}
		return
	}
	if h.MessageID != sa.recvID {
		return
	}
	// RFC 7296 §2.11: the response goes where the request came from.
	d.xchg.requester = &dg
	ps, ok := d.xchg.openMessage(sa, dg, m, &sa.reqFrags)
	if !ok {
		return
	}
	sa.lastHeard = d.clock.Now()
	d.mobike.peerMoved(dg)
	switch h.ExchangeType {
	case wire.IKEAuth:
		d.role.answerAuth(sa, h, ps)
	case wire.CreateChildSA:
		d.rekey.createChildRequest(sa, h, ps)
	case wire.Informational:
		d.live.informationalRequest(sa, dg, h, ps)
	default:
		// RFC 7296 §1.5: an unknown exchange type gets INVALID_SYNTAX.
		d.xchg.respond(sa, h, wire.Payloads{wire.NewNotify(wire.InvalidSyntax, nil)})
	}
}
