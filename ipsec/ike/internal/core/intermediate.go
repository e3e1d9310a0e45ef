package core

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"slices"

	"github.com/espressovpn/espresso/ipsec/ike/dh"
	"github.com/espressovpn/espresso/ipsec/ike/keymat"
	"github.com/espressovpn/espresso/ipsec/ike/wire"
	"github.com/espressovpn/espresso/ipsec/suite"
)

// The IKE_INTERMEDIATE exchanges of RFC 9242 between IKE_SA_INIT and
// IKE_AUTH, one per additional key exchange the IKE SA negotiated (RFC
// 9370 §2.2.2):
//
//  1. IKE_SA_INIT: both sides announce INTERMEDIATE_EXCHANGE_SUPPORTED;
//     the chosen proposal's ADDKE1..ADDKE7 transforms, NONE left out, are
//     the exchanges to run, in the order of their types (IKESA.addKE).
//  2. Each IKE_INTERMEDIATE request carries the initiator's KE payload
//     for the next method, the response the responder's; both are
//     protected with the keys of the moment.
//  3. Both messages enter the IntAuth chains (intAuthI for the
//     initiator's, intAuthR for the responder's) under the SK_pi and
//     SK_pr that protected them (RFC 9242 §3.3.2).
//  4. Then the keys are updated: SKEYSEED(n) = prf(SK_d(n-1), SK(n) | Ni
//     | Nr), and the seven keys follow from it with the SPIs and nonces of
//     IKE_SA_INIT (RFC 9370 §2.2.2).
//  5. IKE_AUTH signs IntAuth_iN | IntAuth_rN | IKE_AUTH_MID after the
//     usual octets (RFC 9242 §3.3.2), IKE_AUTH_MID being the message ID of
//     the first IKE_AUTH request.

// intMessage is the inner content of an IKE_INTERMEDIATE message just
// opened, reassembled from its fragments, for its IntAuth.
type intMessage struct {
	first wire.PayloadType
	plain []byte
}

// announceIntermediate tells whether we announce
// INTERMEDIATE_EXCHANGE_SUPPORTED in IKE_SA_INIT: when a proposal of
// ours has an additional key exchange to run in it.
func announceIntermediate(ps []suite.Proposal) bool {
	return slices.ContainsFunc(ps, func(p suite.Proposal) bool {
		return slices.ContainsFunc(p.Transforms, func(t suite.Transform) bool {
			return t.Type.AddKEIndex() != 0 && t.ID != suite.KENone
		})
	})
}

// addIntAuth extends the IntAuth chain of the message's sender with a
// protected IKE_INTERMEDIATE message, h its header, first and plain its
// inner payloads (RFC 9242 §3.3.2).
func (sa *IKESA) addIntAuth(h wire.Header, first wire.PayloadType, plain []byte, byInitiator bool) {
	data := wire.AppendIntAuthData(nil, h, first, plain)
	if byInitiator {
		sa.intAuthI = keymat.IntAuth(sa.keys.prf, sa.keys.keys.PI, sa.intAuthI, data)
	} else {
		sa.intAuthR = keymat.IntAuth(sa.keys.prf, sa.keys.keys.PR, sa.intAuthR, data)
	}
	sa.intermediates++
}

// addIntAuthPayloads extends the chain with a message we send.
func (sa *IKESA) addIntAuthPayloads(h wire.Header, ps wire.Payloads, byInitiator bool) error {
	plain, err := wire.AppendPayloads(nil, ps)
	if err != nil {
		return err
	}
	first := wire.PayloadNone
	if len(ps) > 0 {
		first = ps[0].Type()
	}
	sa.addIntAuth(h, first, plain, byInitiator)
	return nil
}

// intAuth returns what the AUTH payloads cover after the usual octets:
// IntAuth_iN | IntAuth_rN | IKE_AUTH_MID, or nothing when no
// IKE_INTERMEDIATE exchange took place (RFC 9242 §3.3.2).
func (sa *IKESA) intAuth() []byte {
	if sa.intermediates == 0 {
		return nil
	}
	out := slices.Concat(sa.intAuthI, sa.intAuthR)
	return binary.BigEndian.AppendUint32(out, sa.authMID)
}

// updateKeys replaces the IKE SA's keys after an additional key exchange
// with shared secret secret (RFC 9370 §2.2.2), and wipes the secret. The
// responder keeps the previous keys, which still authenticate a
// retransmission of the request that led to the update.
func (d *Machine) updateKeys(sa *IKESA, secret []byte, keepPrev bool) error {
	defer clear(secret)
	skeyseed := keymat.IntermediateSKEYSEED(sa.keys.prf, sa.keys.keys.D, secret, sa.Ni, sa.Nr)
	defer clear(skeyseed)
	keys, err := newIKEKeys(sa.Prop, skeyseed, sa.Ni, sa.Nr, sa.SPIi, sa.SPIr, sa.Initiator, nil, d.Rand)
	if err != nil {
		return err
	}
	sa.prevKeys.wipe()
	sa.prevKeys = nil
	if keepPrev {
		sa.prevKeys = sa.keys
	} else {
		sa.keys.wipe()
	}
	sa.keys = keys
	return nil
}

// afterInit goes on from a completed IKE_SA_INIT as initiator: with the
// first additional key exchange if the SA has one, else with IKE_AUTH.
func (i *initiator) afterInit(sa *IKESA) {
	if len(sa.addKE) == 0 {
		i.sendAuth(sa)
		return
	}
	if !sa.IntermediateOK {
		// RFC 9370 §2.2.2: additional key exchanges need the
		// IKE_INTERMEDIATE exchange, which the peer did not announce.
		i.Fail(sa, &KeyExchangeError{Exchange: wire.IKESAInit, Method: sa.addKE[0],
			Reason: "the gateway chose an additional key exchange without announcing IKE_INTERMEDIATE"})
		return
	}
	i.sendIntermediate(sa)
}

// sendIntermediate sends the IKE_INTERMEDIATE request of the next
// additional key exchange with a fresh key share.
func (i *initiator) sendIntermediate(sa *IKESA) {
	group := sa.addKE[0]
	ke, err := dh.Generate(group, i.Rand)
	if err != nil {
		i.Fail(sa, &KeyExchangeError{Exchange: wire.IKEIntermediate, Method: group, Reason: err.Error()})
		return
	}
	if sa.ke != nil {
		sa.ke.Zero()
	}
	sa.ke = ke
	ps := wire.Payloads{&wire.KeyExchange{Group: group, Data: ke.PublicKey()}}
	if err := sa.addIntAuthPayloads(sa.Header(wire.IKEIntermediate, sa.sendID, false), ps, true); err != nil {
		i.Fail(sa, err)
		return
	}
	i.Xchg.request(sa, wire.IKEIntermediate, ps, func(h wire.Header, ps wire.Payloads, _ []byte) {
		i.intermediateAnswered(sa, h, ps)
	})
}

// intermediateAnswered takes the responder's part of an additional key
// exchange, updates the keys and goes on with the next exchange or
// IKE_AUTH. The response is authenticated: what is wrong with it ends the
// attempt.
func (i *initiator) intermediateAnswered(sa *IKESA, h wire.Header, ps wire.Payloads) {
	im := sa.intPlain
	sa.intPlain = nil
	group := sa.addKE[0]
	ke := sa.ke
	sa.ke = nil
	defer ke.Zero()
	if im == nil {
		i.Fail(sa, &KeyExchangeError{Exchange: wire.IKEIntermediate, Method: group, Reason: "response content lost"})
		return
	}
	sa.addIntAuth(h, im.first, im.plain, false)
	if n := ps.ErrorNotify(); n != nil {
		i.Fail(sa, errorFromNotify(wire.IKEIntermediate, n, false))
		return
	}
	peer, err := exactlyOneKE(ps, group, dh.ResponseLen(group))
	if err != nil {
		i.Fail(sa, &KeyExchangeError{Exchange: wire.IKEIntermediate, Method: group, Reason: err.Error()})
		return
	}
	secret, err := ke.SharedSecret(peer.Data)
	if err != nil {
		i.Fail(sa, &KeyExchangeError{Exchange: wire.IKEIntermediate, Method: group, Reason: err.Error()})
		return
	}
	if err := i.updateKeys(sa, secret, false); err != nil {
		i.Fail(sa, err)
		return
	}
	sa.addKE = sa.addKE[1:]
	i.Log.Info("ike: IKE_INTERMEDIATE done", "method", suite.KEName(group), "left", len(sa.addKE))
	i.afterInit(sa)
}

// exactlyOneKE returns the one KE payload of ps, which must be of method
// group and hold n bytes: an additional key exchange's method is fixed by
// the proposal, so anything else is a protocol error (RFC 9370 §2.2.2).
func exactlyOneKE(ps wire.Payloads, group suite.TransformID, n int) (*wire.KeyExchange, error) {
	var ke *wire.KeyExchange
	for _, p := range ps {
		if k, ok := p.(*wire.KeyExchange); ok {
			if ke != nil {
				return nil, fmt.Errorf("more than one KE payload")
			}
			ke = k
		}
	}
	switch {
	case ke == nil:
		return nil, fmt.Errorf("no KE payload")
	case ke.Group != group:
		return nil, fmt.Errorf("KE payload for %s, negotiated %s", suite.KEName(ke.Group), suite.KEName(group))
	case len(ke.Data) != n:
		return nil, fmt.Errorf("%d bytes of key exchange data, %s has %d", len(ke.Data), suite.KEName(group), n)
	}
	return ke, nil
}

// intermediateRequest answers an IKE_INTERMEDIATE request as responder of
// the IKE SA: the next additional key exchange, after which the keys are
// updated. An IKE_INTERMEDIATE without a key exchange is answered empty
// as RFC 9242 §3 allows while IKE_AUTH has not started and no additional
// exchange is due; anything else is out of order and ends the attempt.
func (d *Machine) intermediateRequest(sa *IKESA, h wire.Header, ps wire.Payloads) {
	im := sa.intPlain
	sa.intPlain = nil
	fail := func(reason string, group suite.TransformID) {
		d.Log.Info("ike: IKE_INTERMEDIATE refused", "reason", reason)
		d.Xchg.Respond(sa, h, wire.Payloads{wire.NewNotify(wire.InvalidSyntax, nil)})
		if !sa.Established {
			d.Fail(sa, &KeyExchangeError{Exchange: wire.IKEIntermediate, Method: group, Reason: reason})
		}
	}
	if sa.Initiator || sa.Established || !sa.IntermediateOK || sa.authMIDSet || im == nil {
		fail("unexpected IKE_INTERMEDIATE request", 0)
		return
	}
	_, hasKE := wire.First[*wire.KeyExchange](ps)
	if len(sa.addKE) == 0 {
		if hasKE {
			fail("key exchange data after the negotiated key exchanges", 0)
			return
		}
		sa.addIntAuth(h, im.first, im.plain, true)
		if err := sa.addIntAuthPayloads(sa.Header(wire.IKEIntermediate, h.MessageID, true), nil, false); err != nil {
			fail(err.Error(), 0)
			return
		}
		d.Xchg.Respond(sa, h, nil)
		return
	}
	group := sa.addKE[0]
	ke, err := exactlyOneKE(ps, group, dh.PublicKeyLen(group))
	if err != nil {
		fail(err.Error(), group)
		return
	}
	data, secret, err := dh.Respond(group, ke.Data, d.Rand)
	if err != nil {
		fail(err.Error(), group)
		return
	}
	sa.addIntAuth(h, im.first, im.plain, true)
	out := wire.Payloads{&wire.KeyExchange{Group: group, Data: data}}
	if err := sa.addIntAuthPayloads(sa.Header(wire.IKEIntermediate, h.MessageID, true), out, false); err != nil {
		clear(secret)
		fail(err.Error(), group)
		return
	}
	d.Xchg.Respond(sa, h, out)
	if err := d.updateKeys(sa, secret, true); err != nil {
		d.Fail(sa, err)
		return
	}
	sa.addKE = sa.addKE[1:]
	d.Log.Info("ike: IKE_INTERMEDIATE answered", "method", suite.KEName(group), "left", len(sa.addKE))
}

// keepIntermediatePlain keeps the inner content of an IKE_INTERMEDIATE
// message for its IntAuth; other exchanges need no copy.
func (sa *IKESA) keepIntermediatePlain(h wire.Header, first wire.PayloadType, plain []byte) {
	if h.ExchangeType == wire.IKEIntermediate {
		sa.intPlain = &intMessage{first: first, plain: bytes.Clone(plain)}
	}
}
