package ike

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
	spi, err := randomSPI(i.rand, 8)
	if err != nil {
		i.down(err)
		return
	}
	ni, err := randomNonce(i.rand)
	if err != nil {
		i.down(err)
		return
	}
	sa := &ikeSA{spiI: spi, initiator: true, ni: ni}
	i.sa = sa
	i.sendInit(sa, keMethods(i.cfg.IKEProposals)[0])
}

// sendInit sends (or, after COOKIE or INVALID_KE_PAYLOAD, sends again) the
// IKE_SA_INIT request with a fresh key of group.
func (i *initiator) sendInit(sa *ikeSA, group suite.TransformID) {
	if sa.ke == nil || sa.ke.Group() != group {
		if sa.ke != nil {
			sa.ke.Zero()
		}
		ke, err := dh.Generate(group, i.rand)
		if err != nil {
			i.fail(sa, err)
			return
		}
		sa.ke = ke
	}
	offer := offerSA(i.cfg.IKEProposals, wire.ProtocolIKE, nil, true, group)
	var ps wire.Payloads
	if sa.cookie != nil {
		// §2.6: the cookie comes first, everything else unchanged.
		ps = append(ps, wire.NewNotify(wire.Cookie, sa.cookie))
	}
	ps = append(ps, offer,
		&wire.KeyExchange{Group: group, Data: sa.ke.PublicKey()},
		&wire.Nonce{Data: sa.ni})
	ps = append(ps, natNotifies(sa.spiI, 0, i.localAddr(), i.remote, i.fakeNAT(), i.rand)...)
	if i.cfg.FragmentSize > 0 {
		ps = append(ps, wire.NewNotify(wire.IKEv2FragmentationSupported, nil))
	}
	ps = append(ps, wire.NewSignatureHashAlgorithms(auth.AnnouncedHashes...))
	h := sa.header(wire.IKESAInit, 0, false)
	raw, err := encodePlain(h, ps)
	if err != nil {
		i.fail(sa, err)
		return
	}
	sa.initReq = raw
	sa.sendID = 0
	i.xchg.start(sa, &request{
		exchange: wire.IKESAInit,
		pkts:     [][]byte{raw},
		handle: func(h wire.Header, ps wire.Payloads, raw []byte) {
			i.initAnswered(sa, offer, h, ps, raw)
		},
	})
}

// fakeNAT tells whether to force UDP encapsulation by claiming a NAT.
func (d *Conn) fakeNAT() bool { return !d.cfg.RawESP && d.socks.NATT != nil }

// encapESP tells whether ESP goes in UDP (RFC 3948): when either side
// detected a NAT, or claims one (RFC 7296 §2.23). IKE on port 4500 alone
// does not decide it, as MOBIKE moves there without a NAT (RFC 4555 §3.3).
func (d *Conn) encapESP() bool {
	return d.socks.NATT != nil && (d.localNAT || d.remoteNAT || d.fakeNAT())
}

// initResponse routes a cleartext IKE_SA_INIT response to our request.
func (i *initiator) initResponse(dg datagram, m *wire.Message) {
	sa, h := i.sa, m.Header
	if r := i.reauth; r != nil && h.SPIi == r.spiI {
		sa = r
	}
	if sa == nil || !sa.initiator || sa.keys != nil || sa.pending == nil ||
		sa.pending.exchange != wire.IKESAInit || h.SPIi != sa.spiI || h.MessageID != 0 {
		return
	}
	r := sa.pending
	r.timer.Stop()
	sa.pending = nil
	r.handle(h, m.Payloads, dg.b)
}

// initAnswered processes the IKE_SA_INIT response (§1.2, §1.3, §2.6).
func (i *initiator) initAnswered(sa *ikeSA, offer *wire.SecurityAssociation, h wire.Header, ps wire.Payloads, raw []byte) {
	if c := ps.Notify(wire.Cookie); c != nil {
		sa.initTries++
		if sa.initTries > maxInitTries || len(c.Data) == 0 || len(c.Data) > 64 {
			i.fail(sa, &NotifyError{Exchange: wire.IKESAInit, Type: wire.Cookie})
			return
		}
		sa.cookie = bytes.Clone(c.Data)
		i.sendInit(sa, sa.ke.Group())
		return
	}
	if n := ps.Notify(wire.InvalidKEPayload); n != nil {
		g, err := n.Group()
		sa.initTries++
		if err != nil || sa.initTries > maxInitTries || g == sa.ke.Group() || !slices.Contains(keMethods(i.cfg.IKEProposals), g) {
			i.fail(sa, &NoProposalError{Offers: proposalsString(i.cfg.IKEProposals)})
			return
		}
		i.log.Info("ike: peer asks for another key exchange method", "group", suite.Transform{Type: suite.TypeKE, ID: g})
		i.sendInit(sa, g)
		return
	}
	if n := ps.ErrorNotify(); n != nil {
		if n.NotifyType == wire.NoProposalChosen {
			i.fail(sa, &NoProposalError{Offers: proposalsString(i.cfg.IKEProposals)})
		} else {
			i.fail(sa, errorFromNotify(wire.IKESAInit, n, false))
		}
		return
	}
	saPayload, _ := wire.First[*wire.SecurityAssociation](ps)
	ke, _ := wire.First[*wire.KeyExchange](ps)
	nr, _ := wire.First[*wire.Nonce](ps)
	c, ok := accepted(offer, saPayload)
	if !ok || ke == nil || nr == nil || h.SPIr == 0 || c.one(suite.TypeKE).ID != sa.ke.Group() || ke.Group != sa.ke.Group() {
		i.fail(sa, &NoProposalError{Offers: proposalsString(i.cfg.IKEProposals)})
		return
	}
	gir, err := sa.ke.SharedSecret(ke.Data)
	if err != nil {
		i.fail(sa, err)
		return
	}
	sa.ke.Zero()
	sa.ke = nil
	sa.spiR, sa.nr, sa.prop, sa.initRsp = h.SPIr, bytes.Clone(nr.Data), c, raw
	if err := i.deriveInit(sa, gir); err != nil {
		i.fail(sa, err)
		return
	}
	sa.sendID = 1
	sa.fragOK = i.cfg.FragmentSize > 0 && ps.Notify(wire.IKEv2FragmentationSupported) != nil
	if n := ps.Notify(wire.SignatureHashAlgorithms); n != nil {
		sa.peerHashes, _ = n.HashAlgorithms()
	}
	localNAT, remoteNAT, _ := natCheck(ps, sa.spiI, sa.spiR, i.localAddr(), i.remote)
	i.localNAT, i.remoteNAT = localNAT, remoteNAT
	// §2.23: move to port 4500 when a NAT is detected; forced
	// encapsulation moves regardless, and so does MOBIKE (RFC 4555 §3.3),
	// since a NAT may appear on a later path.
	if i.socks.NATT != nil && (localNAT || remoteNAT || i.fakeNAT() || !i.cfg.DisableMOBIKE) {
		i.natt = true
		if i.remote.Port() == DefaultIKEPort {
			i.remote = netip.AddrPortFrom(i.remote.Addr(), DefaultNATTPort)
		}
	}
	if !i.natt {
		// On port 4500 the NAT maps us anew: the first liveness check
		// learns that mapping instead (RFC 4555 §3.8).
		sa.natDst = natDestination(ps)
	}
	i.log.Info("ike: IKE_SA_INIT done", "proposal", c.String(), "local_nat", localNAT, "remote_nat", remoteNAT)
	i.sendAuth(sa)
}

// deriveInit computes SKEYSEED and the IKE SA's keys (§2.14) and wipes the
// shared secret.
func (d *Conn) deriveInit(sa *ikeSA, gir []byte) error {
	defer clear(gir)
	prf, err := keymat.NewPRF(sa.prop.one(suite.TypePRF).ID)
	if err != nil {
		return err
	}
	skeyseed := keymat.SKEYSEED(prf, sa.ni, sa.nr, gir)
	defer clear(skeyseed)
	sa.keys, err = newIKEKeys(sa.prop, skeyseed, sa.ni, sa.nr, sa.spiI, sa.spiR, sa.initiator, nil, d.rand)
	return err
}
