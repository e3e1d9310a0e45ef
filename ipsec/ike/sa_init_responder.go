package ike

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/binary"
	"io"

	"github.com/espressovpn/espresso/ipsec/ike/auth"
	"github.com/espressovpn/espresso/ipsec/ike/dh"
	"github.com/espressovpn/espresso/ipsec/ike/wire"
	"github.com/espressovpn/espresso/ipsec/suite"
)

// answerInit answers an IKE_SA_INIT request as responder (§1.2): a
// retransmission gets the cached response, a new request creates the SA.
func (s *responder) answerInit(dg datagram, m *wire.Message) {
	h := m.Header
	if h.SPIr != 0 || h.MessageID != 0 || !h.IsInitiator() {
		return
	}
	reauth := false
	if cur := s.sa; cur != nil {
		for _, sa := range []*ikeSA{cur, s.reauth} {
			if sa != nil && sa.spiI == h.SPIi && bytes.Equal(sa.initReq, dg.b) && sa.lastResp != nil && sa.lastResp.id == 0 {
				s.xchg.reply(sa.lastResp.pkts, dg)
				return
			}
		}
		// One connection: the first initiator keeps it, and a new
		// IKE_SA_INIT beside its established SA is a reauthentication
		// (§2.8.3), which IKE_AUTH authenticates as the configured peer.
		if !cur.established || cur.deleting || s.reauth != nil || dg.from.Addr() != s.remote.Addr() {
			return
		}
		reauth = true
	}
	ps := m.Payloads
	reply := func(n *wire.Notify) {
		hr := wire.Header{SPIi: h.SPIi, MajorVersion: wire.MajorVersion, ExchangeType: wire.IKESAInit, Flags: wire.FlagResponse}
		if b, err := encodePlain(hr, wire.Payloads{n}); err == nil {
			s.xchg.reply([][]byte{b}, dg)
		}
	}
	saPayload, _ := wire.First[*wire.SecurityAssociation](ps)
	ke, _ := wire.First[*wire.KeyExchange](ps)
	ni, _ := wire.First[*wire.Nonce](ps)
	if saPayload == nil || ke == nil || ni == nil {
		reply(wire.NewNotify(wire.InvalidSyntax, nil))
		return
	}
	if s.cfg.RequireCookie {
		want := s.cookieFor(h.SPIi, ni.Data, dg)
		if c := ps.Notify(wire.Cookie); c == nil || !hmac.Equal(c.Data, want) {
			reply(wire.NewNotify(wire.Cookie, want))
			return
		}
	}
	num, c, ok := choose(s.cfg.IKEProposals, saPayload.Proposals, wire.ProtocolIKE, true)
	if !ok {
		s.log.Info("ike: no acceptable IKE proposal", "offered", saPayload)
		reply(wire.NewNotify(wire.NoProposalChosen, nil))
		return
	}
	group := c.one(suite.TypeKE).ID
	if ke.Group != group || len(ke.Data) != dh.PublicKeyLen(group) {
		// §1.3: tell the initiator which method we want.
		reply(wire.NewInvalidKEPayload(group))
		return
	}
	spi, err := randomSPI(s.rand, 8)
	if err != nil {
		return
	}
	nr, err := randomNonce(s.rand)
	if err != nil {
		return
	}
	mine, err := dh.Generate(group, s.rand)
	if err != nil {
		return
	}
	defer mine.Zero()
	gir, err := mine.SharedSecret(ke.Data)
	if err != nil {
		reply(wire.NewNotify(wire.InvalidSyntax, nil))
		return
	}
	sa := &ikeSA{spiI: h.SPIi, spiR: spi, ni: bytes.Clone(ni.Data), nr: nr, prop: c, initReq: bytes.Clone(dg.b)}
	if err := s.deriveInit(sa, gir); err != nil {
		return
	}
	if !reauth {
		s.remote, s.natt = dg.from, dg.natt
		localNAT, remoteNAT, _ := natCheck(ps, sa.spiI, 0, s.localAddr(), dg.from)
		s.localNAT, s.remoteNAT = localNAT, remoteNAT
	}
	sa.fragOK = s.cfg.FragmentSize > 0 && ps.Notify(wire.IKEv2FragmentationSupported) != nil
	if n := ps.Notify(wire.SignatureHashAlgorithms); n != nil {
		sa.peerHashes, _ = n.HashAlgorithms()
	}
	out := wire.Payloads{
		answerSA(num, wire.ProtocolIKE, nil, c),
		&wire.KeyExchange{Group: group, Data: mine.PublicKey()},
		&wire.Nonce{Data: nr},
	}
	out = append(out, natNotifies(sa.spiI, sa.spiR, s.localAddr(), dg.from, s.fakeNAT(), s.rand)...)
	if sa.fragOK {
		out = append(out, wire.NewNotify(wire.IKEv2FragmentationSupported, nil))
	}
	out = append(out, wire.NewSignatureHashAlgorithms(auth.AnnouncedHashes...))
	if s.cfg.SendCertReq {
		out = append(out, &wire.CertificateRequest{Encoding: wire.CertX509Signature, Authorities: caHashes(s.cfg.CAs)})
	}
	raw, err := encodePlain(sa.header(wire.IKESAInit, 0, true), out)
	if err != nil {
		sa.end()
		return
	}
	sa.initRsp = raw
	sa.lastResp = &response{id: 0, pkts: [][]byte{raw}}
	sa.recvID = 1
	s.log.Info("ike: IKE_SA_INIT answered", "proposal", c.String(), "from", dg.from, "reauth", reauth)
	s.xchg.reply(sa.lastResp.pkts, dg)
	if reauth {
		s.reauth = sa
		s.halfOpen = s.after(s.cfg.Retransmit.delay(0)*8, func() {
			if s.reauth == sa && !sa.established {
				s.reauthFailed(&PeerUnreachableError{Exchange: wire.IKEAuth})
			}
		})
		return
	}
	s.sa = sa
	// A responder that never sees IKE_AUTH gives the half-open SA up.
	s.halfOpen = s.after(s.cfg.Retransmit.delay(0)*8, func() {
		if s.sa == sa && !sa.established {
			s.down(&PeerUnreachableError{Exchange: wire.IKEAuth})
		}
	})
}

// cookieFor computes the stateless cookie of §2.6: a MAC, under a secret of
// this Conn, of the initiator's nonce, address and SPI.
func (s *responder) cookieFor(spii uint64, ni []byte, dg datagram) []byte {
	if s.cookieSecret == nil {
		s.cookieSecret = make([]byte, 32)
		io.ReadFull(s.rand, s.cookieSecret)
	}
	m := hmac.New(sha256.New, s.cookieSecret)
	m.Write(ni)
	m.Write(dg.from.Addr().AsSlice())
	var b [8]byte
	binary.BigEndian.PutUint64(b[:], spii)
	m.Write(b[:])
	return m.Sum(nil)
}
