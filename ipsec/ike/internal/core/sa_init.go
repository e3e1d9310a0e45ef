package core

import (
	"bytes"
	"net/netip"
	"slices"

	"github.com/espressovpn/espresso/ipsec/ike/auth"
	"github.com/espressovpn/espresso/ipsec/ike/dh"
	"github.com/espressovpn/espresso/ipsec/ike/keymat"
	"github.com/espressovpn/espresso/ipsec/ike/wire"
	"github.com/espressovpn/espresso/ipsec/suite"
)

// maxInitTries bounds the COOKIE and INVALID_KE_PAYLOAD retries of one
// IKE_SA_INIT, so that a hostile peer cannot keep us looping.
const maxInitTries = 5

// startInit begins the IKE SA as initiator with the first key exchange
// method we propose (RFC 7296 §1.2).
func (i *initiator) startInit() {
	spi, err := RandomSPI(i.Rand, 8)
	if err != nil {
		i.Down(err)
		return
	}
	ni, err := RandomNonce(i.Rand)
	if err != nil {
		i.Down(err)
		return
	}
	sa := &IKESA{SPIi: spi, Initiator: true, Ni: ni}
	i.SA = sa
	i.sendInit(sa, keMethods(i.Cfg.IKEProposals)[0])
}

// sendInit sends (or, after COOKIE or INVALID_KE_PAYLOAD, sends again) the
// IKE_SA_INIT request with a fresh key of group.
func (i *initiator) sendInit(sa *IKESA, group suite.TransformID) {
	if sa.ke == nil || sa.ke.Group() != group {
		if sa.ke != nil {
			sa.ke.Zero()
		}
		ke, err := dh.Generate(group, i.Rand)
		if err != nil {
			i.Fail(sa, err)
			return
		}
		sa.ke = ke
	}
	offer := offerSA(i.Cfg.IKEProposals, wire.ProtocolIKE, nil, true, group)
	var ps wire.Payloads
	if sa.cookie != nil {
		// §2.6: the cookie comes first, everything else unchanged.
		ps = append(ps, wire.NewNotify(wire.Cookie, sa.cookie))
	}
	ps = append(ps, offer,
		&wire.KeyExchange{Group: group, Data: sa.ke.PublicKey()},
		&wire.Nonce{Data: sa.Ni})
	ps = append(ps, NATNotifies(sa.SPIi, 0, i.LocalAddr(), i.Remote, i.FakeNAT(), i.Rand)...)
	if i.Cfg.FragmentSize > 0 {
		ps = append(ps, wire.NewNotify(wire.IKEv2FragmentationSupported, nil))
	}
	if announceIntermediate(i.Cfg.IKEProposals) {
		ps = append(ps, wire.NewNotify(wire.IntermediateExchangeSupported, nil))
	}
	ps = append(ps, wire.NewSignatureHashAlgorithms(auth.AnnouncedHashes...))
	h := sa.Header(wire.IKESAInit, 0, false)
	raw, err := EncodePlain(h, ps)
	if err != nil {
		i.Fail(sa, err)
		return
	}
	sa.InitReq = raw
	sa.sendID = 0
	r := &request{exchange: wire.IKESAInit, pkts: [][]byte{raw}, header: h}
	if i.debugOn() {
		r.payloads = summarize(ps)
	}
	r.handle = func(h wire.Header, ps wire.Payloads, raw []byte) {
		i.initAnswered(sa, r, offer, h, ps, raw)
	}
	i.Xchg.start(sa, r)
}

// FakeNAT tells whether to force UDP encapsulation by claiming a NAT.
func (d *Machine) FakeNAT() bool { return !d.Cfg.RawESP && d.socks.NATT != nil }

// encapESP tells whether ESP goes in UDP (RFC 3948): when either side
// detected a NAT, or claims one (RFC 7296 §2.23). IKE on port 4500 alone
// does not decide it, as MOBIKE moves there without a NAT (RFC 4555 §3.3).
func (d *Machine) encapESP() bool {
	return d.socks.NATT != nil && (d.LocalNAT || d.RemoteNAT || d.FakeNAT())
}

// InitResponse routes a cleartext IKE_SA_INIT response to our request.
// Nothing authenticates it, so it must come from where the request went;
// the request stays in flight until initAnswered accepts the response.
func (i *initiator) InitResponse(dg Datagram, m *wire.Message) {
	sa, h := i.SA, m.Header
	if r := i.Reauth; r != nil && h.SPIi == r.SPIi {
		sa = r
	}
	if sa == nil || !sa.Initiator || h.SPIi != sa.SPIi {
		i.drops.noSA.Add(1)
		return
	}
	r := sa.pending
	if sa.keys != nil || r == nil || r.exchange != wire.IKESAInit || h.MessageID != 0 {
		i.drops.unexpected.Add(1)
		return
	}
	if !i.Xchg.fromPeer(r, dg) {
		i.Log.Debug("ike: IKE_SA_INIT response from elsewhere than the peer dropped", "from", dg.From, "peer", r.to)
		i.drops.wrongSource.Add(1)
		return
	}
	r.handle(h, m.Payloads, dg.B)
}

// initAnswered processes the IKE_SA_INIT response to r (§1.2, §1.3,
// §2.6). COOKIE and INVALID_KE_PAYLOAD that we can follow restart the
// exchange; any other refusal, an error notify or an answer we cannot
// use, is only noted, and r waits on for a valid answer (§2.21.1).
func (i *initiator) initAnswered(sa *IKESA, r *request, offer *wire.SecurityAssociation, h wire.Header, ps wire.Payloads, raw []byte) {
	if c := ps.Notify(wire.Cookie); c != nil {
		if len(c.Data) == 0 || len(c.Data) > 64 {
			i.Xchg.note(r, &NotifyError{Exchange: wire.IKESAInit, Type: wire.Cookie})
			return
		}
		i.Xchg.answered(sa, r)
		sa.initTries++
		if sa.initTries > maxInitTries {
			i.Fail(sa, &UnauthenticatedError{Err: &NotifyError{Exchange: wire.IKESAInit, Type: wire.Cookie}})
			return
		}
		sa.cookie = bytes.Clone(c.Data)
		i.sendInit(sa, sa.ke.Group())
		return
	}
	if n := ps.Notify(wire.InvalidKEPayload); n != nil {
		g, err := n.Group()
		if err != nil || g == sa.ke.Group() || !slices.Contains(keMethods(i.Cfg.IKEProposals), g) {
			i.Xchg.note(r, &NoProposalError{Offers: proposalsString(i.Cfg.IKEProposals)})
			return
		}
		i.Xchg.answered(sa, r)
		sa.initTries++
		if sa.initTries > maxInitTries {
			i.Fail(sa, &UnauthenticatedError{Err: &NoProposalError{Offers: proposalsString(i.Cfg.IKEProposals)}})
			return
		}
		i.Log.Info("ike: peer asks for another key exchange method", "group", suite.Transform{Type: suite.TypeKE, ID: g})
		i.sendInit(sa, g)
		return
	}
	c, nr, gir, err := i.initAccept(sa, offer, h, ps)
	if err != nil {
		i.Xchg.note(r, err)
		return
	}
	i.Xchg.answered(sa, r)
	sa.ke.Zero()
	sa.ke = nil
	sa.SPIr, sa.Nr, sa.Prop, sa.InitRsp = h.SPIr, bytes.Clone(nr), c, raw
	if err := i.DeriveInit(sa, gir); err != nil {
		i.Fail(sa, err)
		return
	}
	sa.sendID = 1
	sa.FragOK = i.Cfg.FragmentSize > 0 && ps.Notify(wire.IKEv2FragmentationSupported) != nil
	sa.IntermediateOK = announceIntermediate(i.Cfg.IKEProposals) && ps.Notify(wire.IntermediateExchangeSupported) != nil
	if n := ps.Notify(wire.SignatureHashAlgorithms); n != nil {
		sa.PeerHashes, _ = n.HashAlgorithms()
	}
	localNAT, remoteNAT, _ := NATCheck(ps, sa.SPIi, sa.SPIr, i.LocalAddr(), i.Remote)
	i.LocalNAT, i.RemoteNAT = localNAT, remoteNAT
	// §2.23: move to port 4500 when a NAT is detected; forced
	// encapsulation moves regardless, and so does MOBIKE (RFC 4555 §3.3),
	// since a NAT may appear on a later path.
	if i.socks.NATT != nil && (localNAT || remoteNAT || i.FakeNAT() || !i.Cfg.DisableMOBIKE) {
		i.NATT = true
		if i.Remote.Port() == DefaultIKEPort {
			i.Remote = netip.AddrPortFrom(i.Remote.Addr(), DefaultNATTPort)
		}
	}
	if !i.NATT {
		// On port 4500 the NAT maps us anew: the first liveness check
		// learns that mapping instead (RFC 4555 §3.8).
		sa.natDst = natDestination(ps)
	}
	i.Log.Info("ike: IKE_SA_INIT done", "proposal", c.String(), "local_nat", localNAT, "remote_nat", remoteNAT)
	i.afterInit(sa)
}

// initAccept checks an IKE_SA_INIT response without COOKIE or
// INVALID_KE_PAYLOAD and returns what the IKE SA takes from it: the
// proposal the peer chose, its nonce and the shared secret. An error is
// the refusal the response stands for: its error notify, or no proposal
// chosen for an answer that does not fit our offer.
func (i *initiator) initAccept(sa *IKESA, offer *wire.SecurityAssociation, h wire.Header, ps wire.Payloads) (chosen, []byte, []byte, error) {
	if n := ps.ErrorNotify(); n != nil {
		if n.NotifyType == wire.NoProposalChosen {
			return chosen{}, nil, nil, &NoProposalError{Offers: proposalsString(i.Cfg.IKEProposals)}
		}
		return chosen{}, nil, nil, errorFromNotify(wire.IKESAInit, n, false)
	}
	saPayload, _ := wire.First[*wire.SecurityAssociation](ps)
	ke, _ := wire.First[*wire.KeyExchange](ps)
	nr, _ := wire.First[*wire.Nonce](ps)
	c, ok := accepted(offer, saPayload)
	if !ok || ke == nil || nr == nil || h.SPIr == 0 || c.One(suite.TypeKE).ID != sa.ke.Group() || ke.Group != sa.ke.Group() {
		return chosen{}, nil, nil, &NoProposalError{Offers: proposalsString(i.Cfg.IKEProposals)}
	}
	gir, err := sa.ke.SharedSecret(ke.Data)
	if err != nil {
		return chosen{}, nil, nil, err
	}
	return c, nr.Data, gir, nil
}

// DeriveInit computes SKEYSEED and the IKE SA's keys (§2.14) and wipes the
// shared secret.
func (d *Machine) DeriveInit(sa *IKESA, gir []byte) error {
	defer clear(gir)
	prf, err := keymat.NewPRF(sa.Prop.One(suite.TypePRF).ID)
	if err != nil {
		return err
	}
	skeyseed := keymat.SKEYSEED(prf, sa.Ni, sa.Nr, gir)
	defer clear(skeyseed)
	sa.keys, err = newIKEKeys(sa.Prop, skeyseed, sa.Ni, sa.Nr, sa.SPIi, sa.SPIr, sa.Initiator, nil, d.Rand)
	sa.addKE = sa.Prop.AddKEs()
	return err
}
