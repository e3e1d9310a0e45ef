package core

import (
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
func (i *initiator) sendAuth(sa *IKESA) {
	// RFC 9242 §3.3.2: the AUTH payloads cover the ID of this request.
	sa.authMID, sa.authMIDSet = sa.sendID, true
	id := LocalIdentity(&i.Cfg, i.LocalAddr().Addr())
	sa.LocalID = id
	ps := wire.Payloads{&wire.IDi{Identity: id}}
	if i.Cfg.LocalAuth == AuthCert {
		for _, c := range i.Cfg.Cert {
			ps = append(ps, &wire.Certificate{Encoding: wire.CertX509Signature, Data: c.Raw})
		}
	}
	if i.Cfg.SendCertReq {
		ps = append(ps, &wire.CertificateRequest{Encoding: wire.CertX509Signature, Authorities: CAHashes(i.Cfg.CAs)})
	}
	if i.Cfg.RemoteID.IDType != 0 {
		ps = append(ps, &wire.IDr{Identity: i.Cfg.RemoteID})
	}
	if i.Cfg.LocalAuth == AuthEAP {
		sa.EAP = &EAPState{peer: i.Cfg.EAP()}
	} else {
		auth, err := i.AuthPayload(sa, sa.InitReq, sa.Nr, id)
		if err != nil {
			i.Fail(sa, err)
			return
		}
		ps = append(ps, auth)
	}
	reauth := sa == i.Reauth
	if !reauth {
		// §2.4: we hold no other SA with this peer. A reauthentication
		// holds one, which the peer must keep until we delete it.
		ps = append(ps, wire.NewNotify(wire.InitialContact, nil))
	}
	if !i.Cfg.DisableMOBIKE {
		// RFC 4555 §3.2: in the IKE_AUTH message with the SA payload.
		ps = append(ps, wire.NewNotify(wire.MOBIKESupported, nil))
	}
	want := i.Cfg.RequestVirtualIPs
	if reauth {
		// §2.8.3: the new SA asks for the addresses the old one has.
		want = i.VIPs
	}
	if cp := cfgRequest(&i.Cfg, want); cp != nil {
		ps = append(ps, cp)
	}
	inSPI, err := RandomSPI(i.Rand, 4)
	if err != nil {
		i.Fail(sa, err)
		return
	}
	co := &childOffer{
		sa:    offerSA(i.Cfg.ESPProposals, wire.ProtocolESP, SPIBytes(uint32(inSPI)), false, 0),
		inSPI: uint32(inSPI),
		tsi:   WireSelectors(i.Cfg.LocalTS), tsr: WireSelectors(i.Cfg.RemoteTS),
	}
	ps = append(ps, co.sa, &wire.TSi{Selectors: co.tsi}, &wire.TSr{Selectors: co.tsr})
	i.Xchg.request(sa, wire.IKEAuth, ps, func(h wire.Header, ps wire.Payloads, _ []byte) {
		i.authAnswered(sa, co, ps)
	})
}

// authAnswered checks the gateway's identity and authentication in the
// first IKE_AUTH response, then completes IKE_AUTH, or with EAP goes on
// with the conversation the response starts.
func (i *initiator) authAnswered(sa *IKESA, co *childOffer, ps wire.Payloads) {
	idr, _ := wire.First[*wire.IDr](ps)
	if idr == nil {
		if n := ps.ErrorNotify(); n != nil {
			i.Fail(sa, i.authRefused(sa, n))
		} else {
			i.Fail(sa, &AuthError{Reason: "IKE_AUTH response without identity"})
		}
		return
	}
	if err := i.CheckPeerAuth(sa, idr.Identity, ps, sa.InitRsp, sa.Ni); err != nil {
		i.live.sendDeleteIKE(sa)
		i.Fail(sa, err)
		return
	}
	if sa.EAP != nil {
		sa.EAP.PeerID = wire.Identity{IDType: idr.Identity.IDType, Data: slices.Clone(idr.Identity.Data)}
		i.eapAnswered(sa, co, ps)
		return
	}
	i.completeAuth(sa, co, ps, idr.Identity)
}

// authRefused explains an error notify in the first IKE_AUTH response.
// AUTHENTICATION_FAILED to a request that named the gateway's identity
// may mean that identity is wrong as much as our key, so the error quotes
// both identities we sent (IdentitiesRejectedError).
func (i *initiator) authRefused(sa *IKESA, n *wire.Notify) error {
	if n.NotifyType == wire.AuthenticationFailed && i.Cfg.RemoteID.IDType != 0 {
		return &IdentitiesRejectedError{Local: formatIdentity(sa.LocalID), Remote: formatIdentity(i.Cfg.RemoteID)}
	}
	return errorFromNotify(wire.IKEAuth, n, false)
}

// completeAuth takes the first Child SA and the configuration from the
// last IKE_AUTH response, the gateway being authenticated.
func (i *initiator) completeAuth(sa *IKESA, co *childOffer, ps wire.Payloads, peer wire.Identity) {
	sa.Established = true
	i.Xchg.lastSent = i.Clock.Now()
	i.Mobike.Enabled = !i.Cfg.DisableMOBIKE && ps.Notify(wire.MOBIKESupported) != nil
	// The IKE SA stands; the Child SA may still have failed (§1.2).
	if n := ps.ErrorNotify(); n != nil {
		i.live.sendDeleteIKE(sa)
		i.Fail(sa, errorFromNotify(wire.IKEAuth, n, true))
		return
	}
	saPayload, _ := wire.First[*wire.SecurityAssociation](ps)
	c, ok := accepted(co.sa, saPayload)
	outSPI, spiOK := spiOf(c.spi)
	if !ok || !spiOK {
		i.live.sendDeleteIKE(sa)
		i.Fail(sa, &NoProposalError{Child: true, Offers: proposalsString(i.Cfg.ESPProposals)})
		return
	}
	gotTSi, _ := wire.First[*wire.TSi](ps)
	gotTSr, _ := wire.First[*wire.TSr](ps)
	if gotTSi == nil || gotTSr == nil || !subsetOf(gotTSi.Selectors, co.tsi) || !subsetOf(gotTSr.Selectors, co.tsr) {
		i.live.sendDeleteIKE(sa)
		i.Fail(sa, ErrTSUnacceptable)
		return
	}
	cp, _ := wire.First[*wire.Configuration](ps)
	cfgr, err := cfgReply(cp)
	if err != nil {
		i.live.sendDeleteIKE(sa)
		i.Fail(sa, err)
		return
	}
	for _, why := range cfgr.skipped {
		i.Log.Warn("ike: configuration reply: attribute skipped", "reason", why)
	}
	if (i.Cfg.VirtualIPv4 || i.Cfg.VirtualIPv6) && len(cfgr.vips) == 0 {
		i.live.sendDeleteIKE(sa)
		i.Fail(sa, &NotifyError{Exchange: wire.IKEAuth, Type: wire.InternalAddressFailure})
		return
	}
	reauth, prevVIPs := sa == i.Reauth, i.VIPs
	var prevOut *Child
	if reauth {
		prevOut = i.outboundChild()
	}
	ch, err := i.Children.create(sa, c, co.inSPI, outSPI, true, nil, nil, sa.Ni, sa.Nr, cloneTS(gotTSi.Selectors), cloneTS(gotTSr.Selectors))
	if err == nil {
		err = i.Children.addInbound(ch)
	}
	if err == nil {
		err = i.Children.Activate(ch, prevOut)
	}
	if err != nil {
		i.live.sendDeleteIKE(sa)
		i.Fail(sa, err)
		return
	}
	i.VIPs, i.DNS, i.DNSDomains = cfgr.vips, cfgr.dns, cfgr.domains
	if reauth {
		i.reauthenticated(sa, peer, ch, prevVIPs, authLifetime(ps))
		return
	}
	i.Children.List = append(i.Children.List, ch)
	// Arm the reauthentication before reporting the connection up: whoever
	// acts on the event (a test advancing a fake clock) finds it armed.
	i.scheduleReauth(authLifetime(ps))
	i.Established(sa, peer, ch)
}

// Established reports the connection up and starts its timers.
func (d *Machine) Established(sa *IKESA, peer wire.Identity, ch *Child) {
	sa.LastHeard = d.Clock.Now()
	d.Mobike.peerKnows = d.LocalAddr().Addr()
	d.startTimers()
	d.Mobike.learnMapping(sa)
	d.Log.Info("ike: established", "ike", sa.Prop.String(), "esp", ch.Prop.String(), "remote", d.Remote)
	d.emit(&Established{
		IKEProposal: sa.Prop.String(), ESPProposal: ch.Prop.String(), KeyExchanges: sa.Prop.KeyExchanges(),
		Local: d.LocalAddr(), Remote: d.Remote,
		LocalID: formatIdentity(sa.LocalID), RemoteID: formatIdentity(peer),
		VirtualIPs: d.VIPs, DNS: d.DNS, DNSDomains: d.DNSDomains,
		LocalNAT: d.LocalNAT, RemoteNAT: d.RemoteNAT,
		Child: ch.info(),
	})
}

// cloneTS copies selectors out of a received buffer.
func cloneTS(ts []wire.TrafficSelector) []wire.TrafficSelector { return slices.Clone(ts) }
