package core

import (
	"bytes"
	"slices"

	"github.com/espressovpn/espresso/ipsec/ike/dh"
	"github.com/espressovpn/espresso/ipsec/ike/wire"
	"github.com/espressovpn/espresso/ipsec/suite"
)

// rekeyChild starts our CREATE_CHILD_SA rekey of a Child SA (§1.3.3), with
// a fresh key exchange when the ESP proposals ask for PFS.
func (k *rekeying) rekeyChild(old *Child) {
	sa := k.SA
	if sa == nil || !sa.Established || old.state != childInstalled {
		return
	}
	old.state = childRekeying
	k.Xchg.whenIdle(sa, func() { k.sendRekeyChild(sa, old, k.pfsGroup(), 0) })
}

func (k *rekeying) sendRekeyChild(sa *IKESA, old *Child, group suite.TransformID, tries int) {
	if old.state != childRekeying || sa != k.SA {
		return
	}
	inSPI, err := RandomSPI(k.Rand, 4)
	if err != nil {
		k.Down(err)
		return
	}
	ni, err := RandomNonce(k.Rand)
	if err != nil {
		k.Down(err)
		return
	}
	var ke dh.KeyExchange
	if group != 0 {
		if ke, err = dh.Generate(group, k.Rand); err != nil {
			k.Down(err)
			return
		}
	}
	// The key exchange methods are offered even without a KE payload, so
	// that a peer requiring PFS can name its choice (§1.3).
	offer := offerSA(k.Cfg.ESPProposals, wire.ProtocolESP, SPIBytes(uint32(inSPI)), true, group)
	ps := wire.Payloads{wire.NewRekeySA(wire.ProtocolESP, SPIBytes(old.InSPI)), offer, &wire.Nonce{Data: ni}}
	if ke != nil {
		ps = append(ps, &wire.KeyExchange{Group: group, Data: ke.PublicKey()})
	}
	ps = append(ps, &wire.TSi{Selectors: old.LocalTS}, &wire.TSr{Selectors: old.RemoteTS})
	r := k.Xchg.request(sa, wire.CreateChildSA, ps, func(_ wire.Header, ps wire.Payloads, _ []byte) {
		if ke != nil {
			defer ke.Zero()
		}
		k.rekeyChildAnswered(sa, old, offer, uint32(inSPI), ni, ke, ps, tries)
	})
	if r != nil {
		r.failed = func(err error) {
			if ke != nil {
				ke.Zero()
			}
			k.Down(err)
		}
	}
}

// rekeyChildAnswered installs the new Child SA, resolves a collision with
// the peer's own rekey of the same SA (§2.8.1), and deletes the loser.
func (k *rekeying) rekeyChildAnswered(sa *IKESA, old *Child, offer *wire.SecurityAssociation, inSPI uint32, ni []byte, ke dh.KeyExchange, ps wire.Payloads, tries int) {
	if n := ps.Notify(wire.InvalidKEPayload); n != nil && tries < maxInitTries {
		g, err := n.Group()
		sent := suite.KENone
		if ke != nil {
			sent = ke.Group()
		}
		if err == nil && g != suite.KENone && g != sent && slices.Contains(keMethods(k.Cfg.ESPProposals), g) {
			k.Xchg.whenIdle(sa, func() { k.sendRekeyChild(sa, old, g, tries+1) })
			return
		}
	}
	if n := ps.ErrorNotify(); n != nil {
		k.Log.Info("ike: Child SA rekey refused", "notify", n.NotifyType)
		if old.state != childRekeying {
			return
		}
		switch n.NotifyType {
		case wire.ChildSANotFound:
			old.state = childInstalled
			k.Children.forget(old)
			k.Children.remove(old)
			k.emit(&ChildDown{Child: old.info(), ByPeer: true})
		case wire.TemporaryFailure:
			// The peer is busy with this SA, a collision: try again
			// shortly (§2.25).
			old.state = childInstalled
			c := old
			c.rekeyTimer = k.After(k.Cfg.Retransmit.Delay(1), func() {
				if c.state == childInstalled {
					k.rekeyChild(c)
				}
			})
		default:
			k.rekeyChildFailed(old, &RekeyError{SPI: old.InSPI, Notify: n.NotifyType})
		}
		return
	}
	saPayload, _ := wire.First[*wire.SecurityAssociation](ps)
	nr, _ := wire.First[*wire.Nonce](ps)
	c, ok := accepted(offer, saPayload)
	outSPI, spiOK := spiOf(c.spi)
	why := "no acceptable proposal"
	var gir []byte
	if ok && spiOK && nr != nil {
		peerKE, _ := wire.First[*wire.KeyExchange](ps)
		switch g := c.One(suite.TypeKE).ID; {
		case g == suite.KENone:
			// The peer chose NONE from our list: no PFS, and our KE
			// payload, if any, goes unused (§3.3.3).
		case ke == nil || peerKE == nil || peerKE.Group != g || ke.Group() != g:
			ok, why = false, "key exchange method not the one we sent"
		default:
			secret, err := ke.SharedSecret(peerKE.Data)
			if err != nil {
				ok, why = false, "invalid key exchange data"
			} else {
				gir = secret
				defer clear(gir)
			}
		}
	}
	tsi, _ := wire.First[*wire.TSi](ps)
	tsr, _ := wire.First[*wire.TSr](ps)
	if !ok || !spiOK || nr == nil || tsi == nil || tsr == nil ||
		!subsetOf(tsi.Selectors, old.LocalTS) || !subsetOf(tsr.Selectors, old.RemoteTS) {
		if ok && (!spiOK || nr == nil || tsi == nil || tsr == nil) {
			why = "payloads missing"
		} else if ok {
			why = "traffic selectors changed"
		}
		k.Log.Warn("ike: unusable CREATE_CHILD_SA response", "reason", why)
		if old.state == childRekeying {
			k.rekeyChildFailed(old, &RekeyError{SPI: old.InSPI, Reason: why})
		}
		return
	}
	finish := func(add [][]byte) {
		nc, err := k.Children.create(sa, c, inSPI, outSPI, true, gir, add, ni, bytes.Clone(nr.Data), cloneTS(tsi.Selectors), cloneTS(tsr.Selectors))
		if err == nil {
			err = k.Children.addInbound(nc)
		}
		if err != nil {
			k.Down(err)
			return
		}
		k.installRekeyedChild(old, nc, ni)
	}
	methods := c.AddKEs()
	if len(methods) == 0 {
		finish(nil)
		return
	}
	// The additional key exchanges run in IKE_FOLLOWUP_KE exchanges
	// after this one; the shared secret waits for them.
	gir = bytes.Clone(gir)
	k.runFollowups(sa, methods, ps, nil, func(add [][]byte) {
		defer clear(gir)
		finish(add)
	}, func(reason string) {
		clear(gir)
		k.Log.Warn("ike: Child SA rekey's additional key exchange failed", "reason", reason)
		if old.state == childRekeying {
			k.rekeyChildFailed(old, &RekeyError{SPI: old.InSPI, Reason: reason})
		}
	})
}

// installRekeyedChild makes nc, which our rekey of old created, the SA in
// use, unless a collision made it redundant (§2.8.1).
func (k *rekeying) installRekeyedChild(old, nc *Child, ni []byte) {
	k.Children.List = append(k.Children.List, nc)
	if old.state != childRekeying || (old.peerNew != nil && lostCollision(ni, nc.nr, old.peerNew.ni, old.peerNew.nr)) {
		// The peer rekeyed the SA too and its exchange holds the lower
		// nonce... or the old SA is gone: ours is redundant and we, its
		// creator, delete it (§2.8.1).
		k.Log.Info("ike: Child SA rekey collision lost", "spi", old.InSPI)
		nc.state = childRedundant
		k.live.deleteChild(nc, nil)
		return
	}
	old.state = childRekeyed
	old.replacement = nc
	if pn := old.peerNew; pn != nil {
		// We won the collision: the SA the peer's rekey made is the
		// redundant one, which the peer deletes (§2.8.1); its delete
		// takes nothing down.
		pn.state = childRedundant
	}
	if err := k.Children.Activate(nc, old); err != nil {
		k.Down(err)
		return
	}
	k.live.deleteChild(old, func() { k.emit(&ChildRekeyed{Old: old.info(), New: nc.info()}) })
}

// lostCollision reports whether our exchange (ni, nr) holds the lowest of
// the four nonces of two colliding exchanges, which makes the SA it
// created the redundant one (§2.8.1).
func lostCollision(ourNi, ourNr, theirNi, theirNr []byte) bool {
	ours := minBytes(ourNi, ourNr)
	theirs := minBytes(theirNi, theirNr)
	return bytes.Compare(ours, theirs) < 0
}

func minBytes(a, b []byte) []byte {
	if bytes.Compare(a, b) < 0 {
		return a
	}
	return b
}

// createChildRequest answers CREATE_CHILD_SA: a rekey of a Child SA
// (REKEY_SA), a rekey of the IKE SA (an SA payload for IKE), or a new
// Child SA, which a remote-access client does not take (§1.3).
func (k *rekeying) createChildRequest(sa *IKESA, h wire.Header, ps wire.Payloads) {
	if !sa.Established || sa != k.SA || sa.Deleting {
		k.Xchg.Respond(sa, h, wire.Payloads{wire.NewNotify(wire.TemporaryFailure, nil)})
		return
	}
	if n := ps.Notify(wire.RekeySA); n != nil {
		k.rekeyChildRequest(sa, h, ps, n)
		return
	}
	if p, _ := wire.First[*wire.SecurityAssociation](ps); p != nil && len(p.Proposals) > 0 && p.Proposals[0].Protocol == wire.ProtocolIKE {
		k.rekeyIKERequest(sa, h, ps)
		return
	}
	k.Xchg.Respond(sa, h, wire.Payloads{wire.NewNotify(wire.NoAdditionalSAs, nil)})
}

// rekeyChildRequest answers the peer's rekey of a Child SA. The new SA's
// inbound direction is installed at once; outbound moves to it when the
// peer deletes the old SA, since until then the peer may not have
// installed its own inbound direction (§2.8).
func (k *rekeying) rekeyChildRequest(sa *IKESA, h wire.Header, ps wire.Payloads, n *wire.Notify) {
	spi, ok := spiOf(n.SPI)
	old := k.Children.byOut(spi)
	if !ok || n.Protocol != wire.ProtocolESP || old == nil {
		k.Xchg.Respond(sa, h, wire.Payloads{&wire.Notify{Protocol: wire.ProtocolESP, SPI: n.SPI, NotifyType: wire.ChildSANotFound}})
		return
	}
	if old.state != childInstalled && old.state != childRekeying {
		// §2.25.1: it is being deleted or was rekeyed already.
		k.Xchg.Respond(sa, h, wire.Payloads{wire.NewNotify(wire.TemporaryFailure, nil)})
		return
	}
	ni, _ := wire.First[*wire.Nonce](ps)
	if ni == nil {
		k.Xchg.Respond(sa, h, wire.Payloads{wire.NewNotify(wire.InvalidSyntax, nil)})
		return
	}
	nr, err := RandomNonce(k.Rand)
	if err != nil {
		return
	}
	var gir []byte
	var kePayload *wire.KeyExchange
	// The proposal we choose decides PFS: with a key exchange method the
	// KE payload must use it (§1.3); without one, or with NONE chosen from
	// the peer's list (§3.3.3), a KE payload is ignored, as strongSwan
	// does ("agreed on a non-PFS proposal").
	if group := k.pfsGroupFor(ps); group != suite.KENone {
		ke, _ := wire.First[*wire.KeyExchange](ps)
		if ke == nil || ke.Group != group {
			k.Xchg.Respond(sa, h, wire.Payloads{wire.NewInvalidKEPayload(group)})
			return
		}
		keData, secret, err := dh.Respond(group, ke.Data, k.Rand)
		if err != nil {
			k.Xchg.Respond(sa, h, wire.Payloads{wire.NewNotify(wire.InvalidSyntax, nil)})
			return
		}
		gir = secret
		defer clear(gir)
		kePayload = &wire.KeyExchange{Group: group, Data: keData}
	}
	// A rekey keeps the selectors (§2.9.2): narrow against the old SA's.
	cc, errNotify := k.Children.choose(ps, true, old.RemoteTS, old.LocalTS)
	refused := func(n *wire.Notify, reason string) {
		// The old SA stays; the peer decides what follows, so the
		// owner learns why its tunnel may end.
		k.Log.Warn("ike: refused the peer's Child SA rekey", "spi", old.InSPI, "notify", n.NotifyType, "reason", reason)
		k.emit(&ChildRekeyFailed{Child: old.info(), Err: &RekeyError{SPI: old.InSPI, ByPeer: true, Notify: n.NotifyType, Reason: reason}})
	}
	if errNotify != nil {
		k.Xchg.Respond(sa, h, wire.Payloads{errNotify})
		refused(errNotify, "")
		return
	}
	install := func(add [][]byte) *Child {
		ac, errNotify := k.Children.install(sa, cc, gir, add, bytes.Clone(ni.Data), nr)
		if errNotify != nil {
			return nil
		}
		nc := ac.C
		k.Children.List = append(k.Children.List, nc)
		if old.state == childRekeying {
			old.peerNew = nc
		} else {
			old.state = childRekeyed
			old.replacement = nc
		}
		return nc
	}
	out := wire.Payloads{AnswerSA(cc.num, wire.ProtocolESP, SPIBytes(cc.inSPI), cc.c), &wire.Nonce{Data: nr}}
	if kePayload != nil {
		out = append(out, kePayload)
	}
	out = append(out, &wire.TSi{Selectors: cc.rts}, &wire.TSr{Selectors: cc.lts})
	methods := cc.c.AddKEs()
	if len(methods) == 0 {
		if install(nil) == nil {
			n := wire.NewNotify(wire.NoProposalChosen, nil)
			k.Xchg.Respond(sa, h, wire.Payloads{n})
			refused(n, "")
			return
		}
		k.Xchg.Respond(sa, h, out)
		return
	}
	// The SA is made after the peer's IKE_FOLLOWUP_KE exchanges, with
	// their secrets (RFC 9370 §2.2.4).
	gir = bytes.Clone(gir)
	addN, err := k.awaitFollowups(sa, methods, func(add [][]byte) {
		defer clear(gir)
		if install(add) == nil {
			refused(wire.NewNotify(wire.NoProposalChosen, nil), "keys of the additional key exchanges")
		}
	}, func(reason string) {
		clear(gir)
		refused(wire.NewNotify(wire.InvalidSyntax, nil), reason)
	})
	if err != nil {
		clear(gir)
		k.Xchg.Respond(sa, h, wire.Payloads{wire.NewNotify(wire.TemporaryFailure, nil)})
		return
	}
	k.Xchg.Respond(sa, h, append(out, addN))
}

// pfsGroupFor picks, for a peer's CREATE_CHILD_SA, the key exchange method
// of the ESP proposal we would choose.
func (k *rekeying) pfsGroupFor(ps wire.Payloads) suite.TransformID {
	p, _ := wire.First[*wire.SecurityAssociation](ps)
	if p == nil {
		return 0
	}
	_, c, ok := Choose(k.Cfg.ESPProposals, p.Proposals, wire.ProtocolESP, true)
	if !ok {
		return 0
	}
	return c.One(suite.TypeKE).ID
}
