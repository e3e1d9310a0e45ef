package core

import (
	"bytes"
	"encoding/binary"
	"slices"

	"github.com/espressovpn/espresso/ipsec/ike/dh"
	"github.com/espressovpn/espresso/ipsec/ike/keymat"
	"github.com/espressovpn/espresso/ipsec/ike/wire"
	"github.com/espressovpn/espresso/ipsec/suite"
)

// ikeRekey is our CREATE_CHILD_SA rekey of the IKE SA in flight (§1.3.2).
type ikeRekey struct {
	spi uint64
	ni  []byte
	ke  dh.KeyExchange
	// sa is the new IKE SA once the response arrived.
	sa *IKESA
}

func (r *ikeRekey) wipe() {
	if r.ke != nil {
		r.ke.Zero()
		r.ke = nil
	}
}

// rekeyIKE starts our rekey of the IKE SA, with the key exchange method
// the SA uses first (§2.18).
func (k *rekeying) rekeyIKE() {
	sa := k.SA
	if sa == nil || !sa.Established || sa.rekey != nil || sa.Deleting {
		return
	}
	group := sa.Prop.One(suite.TypeKE).ID
	sa.rekey = &ikeRekey{}
	k.Xchg.whenIdle(sa, func() { k.sendRekeyIKE(sa, group, 0) })
}

func (k *rekeying) sendRekeyIKE(sa *IKESA, group suite.TransformID, tries int) {
	rk := sa.rekey
	if rk == nil || sa != k.SA {
		return
	}
	var err error
	if rk.spi, err = RandomSPI(k.Rand, 8); err == nil {
		rk.ni, err = RandomNonce(k.Rand)
	}
	if err == nil {
		rk.wipe()
		rk.ke, err = dh.Generate(group, k.Rand)
	}
	if err != nil {
		k.Down(err)
		return
	}
	offer := offerSA(k.Cfg.IKEProposals, wire.ProtocolIKE, binary.BigEndian.AppendUint64(nil, rk.spi), true, group)
	ps := wire.Payloads{offer, &wire.Nonce{Data: rk.ni}, &wire.KeyExchange{Group: group, Data: rk.ke.PublicKey()}}
	k.Xchg.request(sa, wire.CreateChildSA, ps, func(_ wire.Header, ps wire.Payloads, _ []byte) {
		k.rekeyIKEAnswered(sa, offer, ps, tries)
	})
}

// rekeyIKEAnswered makes the new IKE SA current, moves the Child SAs to
// it and deletes the old one; in a collision (§2.8.2) the SA made with the
// lowest nonce is deleted by its creator.
func (k *rekeying) rekeyIKEAnswered(sa *IKESA, offer *wire.SecurityAssociation, ps wire.Payloads, tries int) {
	rk := sa.rekey
	if n := ps.Notify(wire.InvalidKEPayload); n != nil && tries < maxInitTries {
		if g, err := n.Group(); err == nil && slices.Contains(keMethods(k.Cfg.IKEProposals), g) {
			// sendRekeyIKE replaces the key of this attempt.
			k.Xchg.whenIdle(sa, func() { k.sendRekeyIKE(sa, g, tries+1) })
			return
		}
	}
	defer rk.wipe()
	retry := func() {
		if peer := sa.peerRekey; peer != nil {
			// §2.8.2: the peer's rekey of the SA went through while ours
			// failed (it had already moved on): its new SA is the one,
			// and the peer deletes the old.
			k.Log.Info("ike: IKE SA rekey collision: the peer's rekey stands")
			k.Old = append(k.Old, sa)
			k.switchIKE(sa, peer)
			return
		}
		sa.rekey = nil
		k.ikeTimer = k.After(k.Cfg.Retransmit.Delay(1), k.rekeyIKE)
	}
	if n := ps.ErrorNotify(); n != nil {
		k.Log.Info("ike: IKE SA rekey refused", "notify", n.NotifyType)
		retry()
		return
	}
	saPayload, _ := wire.First[*wire.SecurityAssociation](ps)
	nr, _ := wire.First[*wire.Nonce](ps)
	ke, _ := wire.First[*wire.KeyExchange](ps)
	c, ok := accepted(offer, saPayload)
	if !ok || nr == nil || ke == nil || len(c.spi) != 8 || ke.Group != rk.ke.Group() || c.One(suite.TypeKE).ID != ke.Group {
		k.Log.Warn("ike: unusable IKE SA rekey response")
		retry()
		return
	}
	gir, err := rk.ke.SharedSecret(ke.Data)
	if err != nil {
		retry()
		return
	}
	methods := c.AddKEs()
	if len(methods) == 0 {
		k.finishRekeyIKE(sa, c, gir, nil, bytes.Clone(nr.Data))
		return
	}
	// The additional key exchanges run in IKE_FOLLOWUP_KE exchanges
	// after this one (RFC 9370 §2.2.4); the new SA waits for them.
	nrData := bytes.Clone(nr.Data)
	k.runFollowups(sa, methods, ps, nil, func(add [][]byte) {
		k.finishRekeyIKE(sa, c, gir, add, nrData)
	}, func(reason string) {
		clear(gir)
		k.Log.Warn("ike: IKE SA rekey's additional key exchange failed", "reason", reason)
		if sa.rekey == rk {
			retry()
		}
	})
}

// finishRekeyIKE makes the IKE SA of our rekey with the shared secrets,
// and resolves a collision.
func (k *rekeying) finishRekeyIKE(sa *IKESA, c chosen, gir []byte, add [][]byte, nr []byte) {
	rk := sa.rekey
	if rk == nil {
		clear(gir)
		return
	}
	nsa, err := k.rekeyedSA(sa, c, gir, add, rk.ni, nr, rk.spi, binary.BigEndian.Uint64(c.spi), true)
	if err != nil {
		k.Down(err)
		return
	}
	rk.sa = nsa
	if peer := sa.peerRekey; peer != nil {
		if lostCollision(nsa.Ni, nsa.Nr, peer.Ni, peer.Nr) {
			// Ours is redundant: delete it on itself; the peer, winner,
			// deletes the old SA.
			k.Log.Info("ike: IKE SA rekey collision lost")
			k.Old = append(k.Old, sa)
			k.switchIKE(sa, peer)
			k.live.deleteOldIKE(nsa)
			return
		}
		// We won; the peer deletes its redundant SA.
		k.Old = append(k.Old, peer)
	}
	k.switchIKE(sa, nsa)
	k.live.deleteOldIKE(sa)
}

// rekeyedSA builds the IKE SA a rekey creates: SKEYSEED from the old SA's
// SK_d and PRF (§2.18), fresh message IDs, and the old SA's capabilities.
func (k *rekeying) rekeyedSA(old *IKESA, c chosen, gir []byte, add [][]byte, ni, nr []byte, spiI, spiR uint64, initiator bool) (*IKESA, error) {
	defer clear(gir)
	skeyseed := keymat.RekeySKEYSEED(old.keys.prf, old.keys.keys.D, gir, ni, nr, add...)
	defer clear(skeyseed)
	keys, err := newIKEKeys(c, skeyseed, ni, nr, spiI, spiR, initiator, &old.keys.prf, k.Rand)
	if err != nil {
		return nil, err
	}
	return &IKESA{
		SPIi: spiI, SPIr: spiR, Initiator: initiator, Prop: c, keys: keys,
		Established: true, Ni: ni, Nr: nr, LocalID: old.LocalID,
		FragOK: old.FragOK, PeerHashes: old.PeerHashes, LastHeard: k.Clock.Now(),
	}, nil
}

// switchIKE makes nsa the connection's IKE SA; the Child SAs belong to it
// from now on (§2.18).
func (k *rekeying) switchIKE(old, nsa *IKESA) {
	old.rekey, old.peerRekey = nil, nil
	k.SA = nsa
	k.scheduleIKERekey()
	k.Mobike.learnMapping(nsa)
	k.Log.Info("ike: IKE SA rekeyed", "proposal", nsa.Prop.String())
	k.emit(&IKERekeyed{IKEProposal: nsa.Prop.String(), KeyExchanges: nsa.Prop.KeyExchanges()})
}

// rekeyIKERequest answers the peer's rekey of the IKE SA. The new SA is
// current at once; the old one stays until the peer deletes it. When our
// own rekey is in flight, the collision is resolved once it is answered.
func (k *rekeying) rekeyIKERequest(sa *IKESA, h wire.Header, ps wire.Payloads) {
	saPayload, _ := wire.First[*wire.SecurityAssociation](ps)
	ni, _ := wire.First[*wire.Nonce](ps)
	ke, _ := wire.First[*wire.KeyExchange](ps)
	if ni == nil || ke == nil {
		k.Xchg.Respond(sa, h, wire.Payloads{wire.NewNotify(wire.InvalidSyntax, nil)})
		return
	}
	if len(k.Children.List) > 0 && slices.ContainsFunc(k.Children.List, func(c *Child) bool { return c.state == childRekeying || c.state == childDeleting }) {
		// §2.25.2: no IKE rekey while Child SA exchanges are in flight.
		k.Xchg.Respond(sa, h, wire.Payloads{wire.NewNotify(wire.TemporaryFailure, nil)})
		return
	}
	num, c, ok := Choose(k.Cfg.IKEProposals, saPayload.Proposals, wire.ProtocolIKE, true)
	if !ok || len(c.spi) != 8 {
		k.Xchg.Respond(sa, h, wire.Payloads{wire.NewNotify(wire.NoProposalChosen, nil)})
		return
	}
	group := c.One(suite.TypeKE).ID
	if ke.Group != group {
		k.Xchg.Respond(sa, h, wire.Payloads{wire.NewInvalidKEPayload(group)})
		return
	}
	keData, gir, err := dh.Respond(group, ke.Data, k.Rand)
	if err != nil {
		k.Xchg.Respond(sa, h, wire.Payloads{wire.NewNotify(wire.InvalidSyntax, nil)})
		return
	}
	spi, err := RandomSPI(k.Rand, 8)
	nr, err2 := RandomNonce(k.Rand)
	if err != nil || err2 != nil {
		return
	}
	answer := wire.Payloads{
		AnswerSA(num, wire.ProtocolIKE, binary.BigEndian.AppendUint64(nil, spi), c),
		&wire.Nonce{Data: nr},
		&wire.KeyExchange{Group: group, Data: keData},
	}
	niData := bytes.Clone(ni.Data)
	newSA := func(add [][]byte) *IKESA {
		nsa, err := k.rekeyedSA(sa, c, gir, add, niData, nr, binary.BigEndian.Uint64(c.spi), spi, false)
		if err != nil {
			k.Log.Warn("ike: peer's IKE SA rekey failed", "err", err)
			return nil
		}
		return nsa
	}
	methods := c.AddKEs()
	if len(methods) == 0 {
		nsa := newSA(nil)
		if nsa == nil {
			k.Xchg.Respond(sa, h, wire.Payloads{wire.NewNotify(wire.NoProposalChosen, nil)})
			return
		}
		k.Xchg.Respond(sa, h, answer)
		k.peerRekeyedIKE(sa, nsa)
		return
	}
	// The new SA is made after the peer's IKE_FOLLOWUP_KE exchanges, with
	// their secrets (RFC 9370 §2.2.4).
	addN, err := k.awaitFollowups(sa, methods, func(add [][]byte) {
		if nsa := newSA(add); nsa != nil && sa == k.SA {
			k.peerRekeyedIKE(sa, nsa)
		}
	}, func(reason string) {
		clear(gir)
		k.Log.Warn("ike: refused the peer's IKE SA rekey", "reason", reason)
	})
	if err != nil {
		clear(gir)
		k.Xchg.Respond(sa, h, wire.Payloads{wire.NewNotify(wire.TemporaryFailure, nil)})
		return
	}
	k.Xchg.Respond(sa, h, append(answer, addN))
}

// peerRekeyedIKE makes nsa, which the peer's rekey of sa created, current,
// unless our own rekey is in flight: the collision is resolved once it is
// answered (§2.8.2).
func (k *rekeying) peerRekeyedIKE(sa, nsa *IKESA) {
	if sa.rekey != nil {
		sa.peerRekey = nsa
		return
	}
	// The old SA waits for the peer's delete; we stop using it.
	k.Old = append(k.Old, sa)
	k.switchIKE(sa, nsa)
}
