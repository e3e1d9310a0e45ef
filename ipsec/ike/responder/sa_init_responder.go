package responder

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/binary"
	"io"

	"github.com/espressovpn/espresso/ipsec/ike/auth"
	"github.com/espressovpn/espresso/ipsec/ike/dh"
	"github.com/espressovpn/espresso/ipsec/ike/internal/core"
	"github.com/espressovpn/espresso/ipsec/ike/wire"
	"github.com/espressovpn/espresso/ipsec/suite"
)

// AnswerInit answers an IKE_SA_INIT request as responder (§1.2): a
// retransmission gets the cached response, a new request creates the SA.
func (s *responder) AnswerInit(dg core.Datagram, m *wire.Message) {
	h := m.Header
	if h.SPIr != 0 || h.MessageID != 0 || !h.IsInitiator() {
		return
	}
	reauth := false
	if cur := s.SA; cur != nil {
		for _, sa := range []*core.IKESA{cur, s.Reauth} {
			if sa != nil && sa.SPIi == h.SPIi && bytes.Equal(sa.InitReq, dg.B) && sa.LastResp != nil && sa.LastResp.ID == 0 {
				s.Xchg.Reply(sa.LastResp.Pkts, dg)
				return
			}
		}
		// One connection: the first initiator keeps it, and a new
		// IKE_SA_INIT beside its established SA is a reauthentication
		// (§2.8.3), which IKE_AUTH authenticates as the configured peer.
		if !cur.Established || cur.Deleting || s.Reauth != nil || dg.From.Addr() != s.Remote.Addr() {
			return
		}
		reauth = true
	}
	ps := m.Payloads
	reply := func(n *wire.Notify) {
		hr := wire.Header{SPIi: h.SPIi, MajorVersion: wire.MajorVersion, ExchangeType: wire.IKESAInit, Flags: wire.FlagResponse}
		if b, err := core.EncodePlain(hr, wire.Payloads{n}); err == nil {
			s.Xchg.Reply([][]byte{b}, dg)
		}
	}
	saPayload, _ := wire.First[*wire.SecurityAssociation](ps)
	ke, _ := wire.First[*wire.KeyExchange](ps)
	ni, _ := wire.First[*wire.Nonce](ps)
	if saPayload == nil || ke == nil || ni == nil {
		reply(wire.NewNotify(wire.InvalidSyntax, nil))
		return
	}
	if s.Cfg.RequireCookie {
		want := s.cookieFor(h.SPIi, ni.Data, dg)
		if c := ps.Notify(wire.Cookie); c == nil || !hmac.Equal(c.Data, want) {
			reply(wire.NewNotify(wire.Cookie, want))
			return
		}
	}
	num, c, ok := core.Choose(s.Cfg.IKEProposals, saPayload.Proposals, wire.ProtocolIKE, true)
	if !ok {
		s.Log.Info("ike: no acceptable IKE proposal", "offered", saPayload)
		reply(wire.NewNotify(wire.NoProposalChosen, nil))
		return
	}
	intermediate := ps.Notify(wire.IntermediateExchangeSupported) != nil
	if len(c.AddKEs()) > 0 && !intermediate {
		// RFC 9370 §2.2.2: the additional key exchanges run in
		// IKE_INTERMEDIATE, which this initiator did not announce.
		s.Log.Info("ike: additional key exchange chosen for an initiator without IKE_INTERMEDIATE", "proposal", c.String())
		reply(wire.NewNotify(wire.NoProposalChosen, nil))
		return
	}
	group := c.One(suite.TypeKE).ID
	if ke.Group != group || len(ke.Data) != dh.PublicKeyLen(group) {
		// §1.3: tell the initiator which method we want.
		reply(wire.NewInvalidKEPayload(group))
		return
	}
	spi, err := core.RandomSPI(s.Rand, 8)
	if err != nil {
		return
	}
	nr, err := core.RandomNonce(s.Rand)
	if err != nil {
		return
	}
	keData, gir, err := dh.Respond(group, ke.Data, s.Rand)
	if err != nil {
		reply(wire.NewNotify(wire.InvalidSyntax, nil))
		return
	}
	sa := &core.IKESA{SPIi: h.SPIi, SPIr: spi, Ni: bytes.Clone(ni.Data), Nr: nr, Prop: c, InitReq: bytes.Clone(dg.B)}
	if err := s.DeriveInit(sa, gir); err != nil {
		return
	}
	if !reauth {
		s.Remote, s.NATT = dg.From, dg.NATT
		localNAT, remoteNAT, _ := core.NATCheck(ps, sa.SPIi, 0, s.LocalAddr(), dg.From)
		s.LocalNAT, s.RemoteNAT = localNAT, remoteNAT
	}
	sa.FragOK = s.Cfg.FragmentSize > 0 && ps.Notify(wire.IKEv2FragmentationSupported) != nil
	sa.IntermediateOK = intermediate
	if n := ps.Notify(wire.SignatureHashAlgorithms); n != nil {
		sa.PeerHashes, _ = n.HashAlgorithms()
	}
	out := wire.Payloads{
		core.AnswerSA(num, wire.ProtocolIKE, nil, c),
		&wire.KeyExchange{Group: group, Data: keData},
		&wire.Nonce{Data: nr},
	}
	out = append(out, core.NATNotifies(sa.SPIi, sa.SPIr, s.LocalAddr(), dg.From, s.FakeNAT(), s.Rand)...)
	if sa.FragOK {
		out = append(out, wire.NewNotify(wire.IKEv2FragmentationSupported, nil))
	}
	if sa.IntermediateOK {
		out = append(out, wire.NewNotify(wire.IntermediateExchangeSupported, nil))
	}
	out = append(out, wire.NewSignatureHashAlgorithms(auth.AnnouncedHashes...))
	if s.Cfg.SendCertReq {
		out = append(out, &wire.CertificateRequest{Encoding: wire.CertX509Signature, Authorities: core.CAHashes(s.Cfg.CAs)})
	}
	rh := sa.Header(wire.IKESAInit, 0, true)
	raw, err := core.EncodePlain(rh, out)
	if err != nil {
		sa.End()
		return
	}
	sa.InitRsp = raw
	sa.LastResp = &core.Response{ID: 0, Pkts: [][]byte{raw}}
	sa.RecvID = 1
	s.Log.Info("ike: IKE_SA_INIT answered", "proposal", c.String(), "from", dg.From, "reauth", reauth)
	s.LogMessage(true, rh, out)
	s.Xchg.Reply(sa.LastResp.Pkts, dg)
	if reauth {
		s.Reauth = sa
		s.halfOpen = s.After(s.Cfg.Retransmit.Delay(0)*8, func() {
			if s.Reauth == sa && !sa.Established {
				s.ReauthFailed(&core.PeerUnreachableError{Exchange: wire.IKEAuth})
			}
		})
		return
	}
	s.SA = sa
	// A responder that never sees IKE_AUTH gives the half-open SA up.
	s.halfOpen = s.After(s.Cfg.Retransmit.Delay(0)*8, func() {
		if s.SA == sa && !sa.Established {
			s.Down(&core.PeerUnreachableError{Exchange: wire.IKEAuth})
		}
	})
}

// cookieFor computes the stateless cookie of §2.6: a MAC, under a secret of
// this Conn, of the initiator's nonce, address and SPI.
func (s *responder) cookieFor(spii uint64, ni []byte, dg core.Datagram) []byte {
	if s.cookieSecret == nil {
		s.cookieSecret = make([]byte, 32)
		io.ReadFull(s.Rand, s.cookieSecret)
	}
	m := hmac.New(sha256.New, s.cookieSecret)
	m.Write(ni)
	m.Write(dg.From.Addr().AsSlice())
	var b [8]byte
	binary.BigEndian.PutUint64(b[:], spii)
	m.Write(b[:])
	return m.Sum(nil)
}
