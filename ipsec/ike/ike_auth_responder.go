package ike

import (
	"net/netip"
	"slices"
	"time"

	"github.com/espressovpn/espresso/ipsec/ike/wire"
)

// answerAuth answers the initiator's IKE_AUTH (§1.2): it checks the
// initiator's authentication, authenticates us, hands out the requested
// configuration and creates the first Child SA. With EAP (§2.16) the
// answer is our authentication and the first EAP Request instead, and
// the exchange goes on in eapRequest.
func (s *responder) answerAuth(sa *ikeSA, h wire.Header, ps wire.Payloads) {
	if sa.initiator || sa.established {
		s.xchg.respond(sa, h, wire.Payloads{wire.NewNotify(wire.InvalidSyntax, nil)})
		return
	}
	if sa.eap != nil {
		s.eapRequest(sa, h, ps)
		return
	}
	idi, _ := wire.First[*wire.IDi](ps)
	if idi == nil {
		s.xchg.respond(sa, h, wire.Payloads{wire.NewNotify(wire.AuthenticationFailed, nil)})
		s.fail(sa, &AuthError{Reason: "IKE_AUTH request without identity"})
		return
	}
	if s.cfg.RemoteAuth == AuthEAP {
		s.startEAP(sa, h, idi.Identity, ps)
		return
	}
	if err := s.checkPeerAuth(sa, idi.Identity, ps, sa.initReq, sa.nr); err != nil {
		s.refuseAuth(sa, h, err)
		return
	}
	out, err := s.responderAuth(sa)
	if err != nil {
		s.refuseAuth(sa, h, err)
		return
	}
	s.acceptAuth(sa, h, out, ps, idi.Identity)
}

// refuseAuth answers AUTHENTICATION_FAILED; the half-open SA is then gone
// (§2.21.2).
func (s *responder) refuseAuth(sa *ikeSA, h wire.Header, err error) {
	s.xchg.respond(sa, h, wire.Payloads{wire.NewNotify(wire.AuthenticationFailed, nil)})
	s.fail(sa, err)
}

// responderAuth returns our identity, certificates and AUTH payload.
func (s *responder) responderAuth(sa *ikeSA) (wire.Payloads, error) {
	id := localIdentity(&s.cfg, s.localAddr().Addr())
	sa.localID = id
	out := wire.Payloads{&wire.IDr{Identity: id}}
	if s.cfg.LocalAuth == AuthCert {
		for _, c := range s.cfg.Cert {
			out = append(out, &wire.Certificate{Encoding: wire.CertX509Signature, Data: c.Raw})
		}
	}
	auth, err := s.authPayload(sa, sa.initRsp, sa.ni, id)
	if err != nil {
		return nil, err
	}
	return append(out, auth), nil
}

// acceptAuth completes IKE_AUTH as responder once the initiator is
// authenticated: out (our authentication) goes with the configuration and
// the first Child SA, which req, the initiator's first request, asked for.
func (s *responder) acceptAuth(sa *ikeSA, h wire.Header, out, req wire.Payloads, peer wire.Identity) {
	ps := req
	sa.established = true
	s.stopHalfOpen()
	prevVIPs := s.vips
	if s.cfg.AuthLifetime > 0 {
		// RFC 4478 §3: the initiator reauthenticates before this.
		out = append(out, wire.NewAuthLifetime(uint32(max(1, s.cfg.AuthLifetime/time.Second))))
	}
	if !s.cfg.DisableMOBIKE && ps.Notify(wire.MOBIKESupported) != nil {
		// RFC 4555 §3.2: in the response that carries the SA payload.
		s.mobike.enabled = true
		out = append(out, wire.NewNotify(wire.MOBIKESupported, nil))
	}
	cpReq, _ := wire.First[*wire.Configuration](ps)
	cp, vips := answerCfg(&s.cfg, cpReq)
	if cp != nil {
		out = append(out, cp)
	}
	s.vips, s.dns = vips, s.cfg.DNS
	// The initiator's side: its virtual addresses when it got some, else
	// what we accept from it.
	peerSide := selectors(s.cfg.RemoteTS)
	if len(vips) > 0 {
		peerSide = nil
		for _, v := range vips {
			peerSide = append(peerSide, wire.SelectorFromPrefix(netip.PrefixFrom(v, v.BitLen())))
		}
	}
	ch, errNotify := s.children.accept(sa, ps, false, nil, peerSide, selectors(s.cfg.LocalTS), sa.ni, sa.nr)
	if errNotify != nil {
		// The IKE SA stands without a Child SA (§1.2); the initiator decides.
		s.xchg.respond(sa, h, append(out, errNotify))
		if sa == s.reauth {
			s.reauthFailed(&NotifyError{Exchange: wire.IKEAuth, Type: errNotify.NotifyType})
			return
		}
		s.established(sa, peer, &child{sa: &ChildSA{}})
		return
	}
	out = append(out, answerSA(ch.number, wire.ProtocolESP, spiBytes(ch.c.inSPI), ch.c.prop),
		&wire.TSi{Selectors: ch.c.remoteTS}, &wire.TSr{Selectors: ch.c.localTS})
	s.xchg.respond(sa, h, out)
	if sa == s.reauth {
		s.reauthAccepted(sa, peer, ch.c, prevVIPs)
		return
	}
	if err := s.children.activate(ch.c, nil); err != nil {
		s.fail(sa, err)
		return
	}
	s.children.list = append(s.children.list, ch.c)
	s.established(sa, peer, ch.c)
}

// reauthAccepted completes a reauthentication as responder: sa is current,
// and ch carries inbound traffic at once but outbound only when the
// initiator deletes the old IKE SA, as only then is it sure to have ch's
// inbound direction installed.
func (s *responder) reauthAccepted(sa *ikeSA, peer wire.Identity, ch *child, prev []netip.Addr) {
	s.stopHalfOpen()
	old := s.sa
	old.superseded, old.successor = slices.Clone(s.children.list), ch
	s.children.list = append(s.children.list, ch)
	s.reauth, s.sa = nil, sa
	s.old = append(s.old, old)
	sa.lastHeard = s.clock.Now()
	s.restartTimers()
	s.emitReauthenticated(old, sa, peer, ch, prev)
}

// supersede runs when the peer deletes an IKE SA it reauthenticated: its
// successor Child SA takes the outbound traffic, and its own Child SAs
// linger inbound for the retire delay.
func (s *responder) supersede(sa *ikeSA) {
	repl := sa.successor
	var out *child
	for _, c := range sa.superseded {
		if c.outbound {
			out = c
		}
	}
	if repl != nil && repl.installed && !repl.outbound {
		if err := s.children.activate(repl, out); err != nil {
			s.log.Warn("ike: activating reauthenticated Child SA", "err", err)
		}
	}
	for _, c := range sa.superseded {
		if slices.Contains(s.children.list, c) {
			s.children.retire(c, true)
		}
	}
	sa.superseded, sa.successor = nil, nil
}
