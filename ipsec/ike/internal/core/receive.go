package core

import (
	"errors"

	"github.com/espressovpn/espresso/ipsec/ike/wire"
)

// receive dispatches one datagram: IKE_SA_INIT in the clear, everything
// else to its IKE SA as a request or a response.
func (d *Machine) receive(dg Datagram) {
	m, err := wire.ParseMessage(dg.B)
	if errors.Is(err, wire.ErrInvalidMajorVersion) {
		d.answerMajorVersion(dg)
		return
	}
	if err != nil {
		d.Log.Debug("ike: unparsable message dropped", "from", dg.From, "err", err)
		d.drops.unparsable.Add(1)
		return
	}
	h := m.Header
	if h.ExchangeType == wire.IKESAInit {
		d.LogMessage(false, h, m.Payloads)
		if h.IsResponse() {
			d.role.InitResponse(dg, m)
		} else {
			d.role.AnswerInit(dg, m)
		}
		return
	}
	sa := d.findSA(h.SPIi, h.SPIr)
	// The I flag names the SA's original initiator (§3.1): a message
	// claiming our role is our own, reflected.
	if sa == nil || sa.keys == nil || h.IsInitiator() == sa.Initiator {
		d.Log.Debug("ike: message for no known IKE SA dropped", "exchange", h.ExchangeType)
		d.drops.noSA.Add(1)
		return
	}
	if unprotectedInvalidSPI(m) {
		d.live.invalidSPI(sa, dg.From, h)
		return
	}
	if h.IsResponse() {
		d.Xchg.handleResponse(sa, dg, m)
	} else {
		d.handleRequest(sa, dg, m)
	}
}

// handleRequest answers a request of the peer: the next one in the window,
// or a retransmission of the last, which gets the same response again.
func (d *Machine) handleRequest(sa *IKESA, dg Datagram, m *wire.Message) {
	h := m.Header
	if sa.LastResp != nil && h.MessageID == sa.LastResp.ID {
		// Retransmitted request: answer once per message, on its first
		// fragment (RFC 7383 §2.6.1), after checking it is genuine.
		o, err := sa.keys.open(dg.B, m)
		if err != nil && sa.prevKeys != nil {
			// The request that updated the keys (IKE_INTERMEDIATE) came
			// under the previous ones.
			o, err = sa.prevKeys.open(dg.B, m)
		}
		if err != nil {
			d.drops.unauthenticated.Add(1)
		} else if o.frag <= 1 {
			d.Xchg.Reply(sa.LastResp.Pkts, dg)
		}
		return
	}
	if h.MessageID != sa.RecvID {
		d.drops.unexpected.Add(1)
		return
	}
	// RFC 7296 §2.11: the response goes where the request came from.
	d.Xchg.requester = &dg
	ps, ok := d.Xchg.openMessage(sa, dg, m, &sa.reqFrags)
	if !ok {
		return
	}
	sa.LastHeard = d.Clock.Now()
	d.Mobike.peerMoved(dg)
	if sa.prevKeys != nil && h.ExchangeType != wire.IKEIntermediate {
		// A request under the new keys: the peer has the response that
		// updated them.
		sa.prevKeys.wipe()
		sa.prevKeys = nil
	}
	switch h.ExchangeType {
	case wire.IKEIntermediate:
		d.intermediateRequest(sa, h, ps)
	case wire.IKEAuth:
		if !sa.Initiator && len(sa.addKE) > 0 {
			// RFC 9370 §2.2.2: IKE_AUTH only after every additional key
			// exchange.
			d.Xchg.Respond(sa, h, wire.Payloads{wire.NewNotify(wire.InvalidSyntax, nil)})
			d.Fail(sa, &KeyExchangeError{Exchange: wire.IKEAuth, Method: sa.addKE[0], Reason: "IKE_AUTH before the additional key exchanges"})
			return
		}
		if !sa.Initiator && !sa.authMIDSet {
			sa.authMID, sa.authMIDSet = h.MessageID, true
		}
		d.role.AnswerAuth(sa, h, ps)
	case wire.CreateChildSA:
		d.rekey.createChildRequest(sa, h, ps)
	case wire.IKEFollowupKE:
		d.rekey.followupRequest(sa, h, ps)
	case wire.Informational:
		d.live.informationalRequest(sa, dg, h, ps)
	default:
		// RFC 7296 §1.5: an unknown exchange type gets INVALID_SYNTAX.
		d.Xchg.Respond(sa, h, wire.Payloads{wire.NewNotify(wire.InvalidSyntax, nil)})
	}
}
