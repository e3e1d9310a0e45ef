package ike

import (
	"net/netip"
	"slices"

	"github.com/espressovpn/espresso/ipsec/ike/wire"
)

// childOffer is the first Child SA as our IKE_AUTH request proposes it.
type childOffer struct {
	sa       *wire.SecurityAssociation
	inSPI    uint32
	tsi, tsr []wire.TrafficSelector
}

// sendAuth sends our IKE_AUTH request (§1.2): identities, certificates,
// AUTH, the configuration request and the first Child SA. With EAP the
// request has no AUTH (§2.16): the gateway answers with its own AUTH and
// the first EAP Request.
func (i *initiator) sendAuth(sa *ikeSA) {
	id := localIdentity(&i.cfg, i.localAddr().Addr())
	sa.localID = id
	ps := wire.Payloads{&wire.IDi{Identity: id}}
	if i.cfg.LocalAuth == AuthCert {
		for _, c := range i.cfg.Cert {
			ps = append(ps, &wire.Certificate{Encoding: wire.CertX509Signature, Data: c.Raw})
		}
	}
	if i.cfg.SendCertReq {
		ps = append(ps, &wire.CertificateRequest{Encoding: wire.CertX509Signature, Authorities: caHashes(i.cfg.CAs)})
	}
	if i.cfg.RemoteID.IDType != 0 {
		ps = append(ps, &wire.IDr{Identity: i.cfg.RemoteID})
	}
	if i.cfg.LocalAuth == AuthEAP {
		sa.eap = &eapState{peer: i.cfg.EAP()}
	} else {
		auth, err := i.authPayload(sa, sa.initReq, sa.nr, id)
		if err != nil {
			i.fail(sa, err)
			return
		}
		ps = append(ps, auth)
	}
	reauth := sa == i.reauth
	if !reauth {
		// §2.4: we hold no other SA with this peer. A reauthentication
		// holds one, which the peer must keep until we delete it.
		ps = append(ps, wire.NewNotify(wire.InitialContact, nil))
	}
	if !i.cfg.DisableMOBIKE {
		// RFC 4555 §3.2: in the IKE_AUTH message with the SA payload.
		ps = append(ps, wire.NewNotify(wire.MOBIKESupported, nil))
	}
	var want []netip.Addr
	if reauth {
		// §2.8.3: the new SA asks for the addresses the old one has.
		want = i.vips
	}
	if cp := cfgRequest(&i.cfg, want); cp != nil {
		ps = append(ps, cp)
	}
	inSPI, err := randomSPI(i.rand, 4)
	if err != nil {
		i.fail(sa, err)
		return
	}
	co := &childOffer{
		sa:    offerSA(i.cfg.ESPProposals, wire.ProtocolESP, spiBytes(uint32(inSPI)), false, 0),
		inSPI: uint32(inSPI),
		tsi:   selectors(i.cfg.LocalTS), tsr: selectors(i.cfg.RemoteTS),
	}
	ps = append(ps, co.sa, &wire.TSi{Selectors: co.tsi}, &wire.TSr{Selectors: co.tsr})
	i.xchg.request(sa, wire.IKEAuth, ps, func(h wire.Header, ps wire.Payloads, _ []byte) {
		i.authAnswered(sa, co, ps)
	})
}

// authAnswered checks the gateway's identity and authentication in the
// first IKE_AUTH response, then completes IKE_AUTH, or with EAP goes on
// with the conversation the response starts.
func (i *initiator) authAnswered(sa *ikeSA, co *childOffer, ps wire.Payloads) {
	idr, _ := wire.First[*wire.IDr](ps)
	if idr == nil {
		if n := ps.ErrorNotify(); n != nil {
			i.fail(sa, i.authRefused(sa, n))
		} else {
			i.fail(sa, &AuthError{Reason: "IKE_AUTH response without identity"})
		}
		return
	}
	if err := i.checkPeerAuth(sa, idr.Identity, ps, sa.initRsp, sa.ni); err != nil {
		i.live.sendDeleteIKE(sa)
		i.fail(sa, err)
		return
	}
	if sa.eap != nil {
		sa.eap.peerID = wire.Identity{IDType: idr.Identity.IDType, Data: slices.Clone(idr.Identity.Data)}
		i.eapAnswered(sa, co, ps)
		return
	}
	i.completeAuth(sa, co, ps, idr.Identity)
}

// authRefused explains an error notify in the first IKE_AUTH response.
// AUTHENTICATION_FAILED to a request that named the gateway's identity
// may mean that identity is wrong as much as our key, so the error quotes
// both identities we sent (IdentitiesRejectedError).
func (i *initiator) authRefused(sa *ikeSA, n *wire.Notify) error {
	if n.NotifyType == wire.AuthenticationFailed && i.cfg.RemoteID.IDType != 0 {
		return &IdentitiesRejectedError{Local: formatIdentity(sa.localID), Remote: formatIdentity(i.cfg.RemoteID)}
	}
	return errorFromNotify(wire.IKEAuth, n, false)
}

// completeAuth takes the first Child SA and the configuration from the
// last IKE_AUTH response, the gateway being authenticated.
func (i *initiator) completeAuth(sa *ikeSA, co *childOffer, ps wire.Payloads, peer wire.Identity) {
	sa.established = true
	i.xchg.lastSent = i.clock.Now()
	i.mobike.enabled = !i.cfg.DisableMOBIKE && ps.Notify(wire.MOBIKESupported) != nil
	// The IKE SA stands; the Child SA may still have failed (§1.2).
	if n := ps.ErrorNotify(); n != nil {
		i.live.sendDeleteIKE(sa)
		i.fail(sa, errorFromNotify(wire.IKEAuth, n, true))
		return
	}
	saPayload, _ := wire.First[*wire.SecurityAssociation](ps)
	c, ok := accepted(co.sa, saPayload)
	outSPI, spiOK := spiOf(c.spi)
	if !ok || !spiOK {
		i.live.sendDeleteIKE(sa)
		i.fail(sa, &NoProposalError{Child: true, Offers: proposalsString(i.cfg.ESPProposals)})
		return
	}
	gotTSi, _ := wire.First[*wire.TSi](ps)
	gotTSr, _ := wire.First[*wire.TSr](ps)
	if gotTSi == nil || gotTSr == nil || !subsetOf(gotTSi.Selectors, co.tsi) || !subsetOf(gotTSr.Selectors, co.tsr) {
		i.live.sendDeleteIKE(sa)
		i.fail(sa, ErrTSUnacceptable)
		return
	}
	cp, _ := wire.First[*wire.Configuration](ps)
	vips, dns, err := cfgReply(cp)
	if err != nil {
		i.live.sendDeleteIKE(sa)
		i.fail(sa, err)
		return
	}
	if (i.cfg.VirtualIPv4 || i.cfg.VirtualIPv6) && len(vips) == 0 {
		i.live.sendDeleteIKE(sa)
		i.fail(sa, &NotifyError{Exchange: wire.IKEAuth, Type: wire.InternalAddressFailure})
		return
	}
	reauth, prevVIPs := sa == i.reauth, i.vips
	var prevOut *child
	if reauth {
		prevOut = i.outboundChild()
	}
	ch, err := i.children.create(sa, c, co.inSPI, outSPI, true, nil, sa.ni, sa.nr, cloneTS(gotTSi.Selectors), cloneTS(gotTSr.Selectors))
	if err == nil {
		err = i.children.addInbound(ch)
	}
	if err == nil {
		err = i.children.activate(ch, prevOut)
	}
	if err != nil {
		i.live.sendDeleteIKE(sa)
		i.fail(sa, err)
		return
	}
	i.vips, i.dns = vips, dns
	if reauth {
		i.reauthenticated(sa, peer, ch, prevVIPs, authLifetime(ps))
		return
	}
	i.children.list = append(i.children.list, ch)
	// Arm the reauthentication before reporting the connection up: whoever
	// acts on the event (a test advancing a fake clock) finds it armed.
	i.scheduleReauth(authLifetime(ps))
	i.established(sa, peer, ch)
}

// established reports the connection up and starts its timers.
func (d *Conn) established(sa *ikeSA, peer wire.Identity, ch *child) {
	sa.lastHeard = d.clock.Now()
	d.mobike.peerKnows = d.localAddr().Addr()
	d.startTimers()
	d.mobike.learnMapping(sa)
	d.log.Info("ike: established", "ike", sa.prop.String(), "esp", ch.prop.String(), "remote", d.remote)
	d.emit(&Established{
		IKEProposal: sa.prop.String(), ESPProposal: ch.prop.String(),
		Local: d.localAddr(), Remote: d.remote,
		LocalID: formatIdentity(sa.localID), RemoteID: formatIdentity(peer),
		VirtualIPs: d.vips, DNS: d.dns,
		LocalNAT: d.localNAT, RemoteNAT: d.remoteNAT,
		Child: ch.info(),
	})
}

// cloneTS copies selectors out of a received buffer.
func cloneTS(ts []wire.TrafficSelector) []wire.TrafficSelector { return slices.Clone(ts) }
