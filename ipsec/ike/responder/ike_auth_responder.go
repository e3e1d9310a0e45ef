package responder

import (
	"net/netip"
	"slices"
	"time"

	"github.com/espressovpn/espresso/ipsec/ike/internal/core"
	"github.com/espressovpn/espresso/ipsec/ike/wire"
)

// AnswerAuth answers the initiator's IKE_AUTH (§1.2): it checks the
// initiator's authentication, authenticates us, hands out the requested
// configuration and creates the first Child SA. With EAP (§2.16) the
// answer is our authentication and the first EAP Request instead, and
// the exchange goes on in eapRequest.
func (s *responder) AnswerAuth(sa *core.IKESA, h wire.Header, ps wire.Payloads) {
	if sa.Initiator || sa.Established {
		s.Xchg.Respond(sa, h, wire.Payloads{wire.NewNotify(wire.InvalidSyntax, nil)})
		return
	}
	if sa.EAP != nil {
		s.eapRequest(sa, h, ps)
		return
	}
	idi, _ := wire.First[*wire.IDi](ps)
	if idi == nil {
		s.Xchg.Respond(sa, h, wire.Payloads{wire.NewNotify(wire.AuthenticationFailed, nil)})
		s.Fail(sa, &core.AuthError{Reason: "IKE_AUTH request without identity"})
		return
	}
	if s.Cfg.RemoteAuth == core.AuthEAP {
		s.startEAP(sa, h, idi.Identity, ps)
		return
	}
	if err := s.CheckPeerAuth(sa, idi.Identity, ps, sa.InitReq, sa.Nr); err != nil {
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
func (s *responder) refuseAuth(sa *core.IKESA, h wire.Header, err error) {
	s.Xchg.Respond(sa, h, wire.Payloads{wire.NewNotify(wire.AuthenticationFailed, nil)})
	s.Fail(sa, err)
}

// responderAuth returns our identity, certificates and AUTH payload.
func (s *responder) responderAuth(sa *core.IKESA) (wire.Payloads, error) {
	id := core.LocalIdentity(&s.Cfg, s.LocalAddr().Addr())
	sa.LocalID = id
	out := wire.Payloads{&wire.IDr{Identity: id}}
	if s.Cfg.LocalAuth == core.AuthCert {
		for _, c := range s.Cfg.Cert {
			out = append(out, &wire.Certificate{Encoding: wire.CertX509Signature, Data: c.Raw})
		}
	}
	auth, err := s.AuthPayload(sa, sa.InitRsp, sa.Ni, id)
	if err != nil {
		return nil, err
	}
	return append(out, auth), nil
}

// acceptAuth completes IKE_AUTH as responder once the initiator is
// authenticated: out (our authentication) goes with the configuration and
// the first Child SA, which req, the initiator's first request, asked for.
func (s *responder) acceptAuth(sa *core.IKESA, h wire.Header, out, req wire.Payloads, peer wire.Identity) {
	ps := req
	sa.Established = true
	s.stopHalfOpen()
	prevVIPs := s.VIPs
	if s.Cfg.AuthLifetime > 0 {
		// RFC 4478 §3: the initiator reauthenticates before this.
		out = append(out, wire.NewAuthLifetime(uint32(max(1, s.Cfg.AuthLifetime/time.Second))))
	}
	if !s.Cfg.DisableMOBIKE && ps.Notify(wire.MOBIKESupported) != nil {
		// RFC 4555 §3.2: in the response that carries the SA payload.
		s.Mobike.Enabled = true
		out = append(out, wire.NewNotify(wire.MOBIKESupported, nil))
	}
	cpReq, _ := wire.First[*wire.Configuration](ps)
	cp, vips := core.AnswerCfg(&s.Cfg, cpReq)
	if cp != nil {
		out = append(out, cp)
	}
	s.VIPs, s.DNS = vips, s.Cfg.DNS
	// The initiator's side: its virtual addresses when it got some, else
	// what we accept from it.
	peerSide := core.WireSelectors(s.Cfg.RemoteTS)
	if len(vips) > 0 {
		peerSide = nil
		for _, v := range vips {
			peerSide = append(peerSide, wire.SelectorFromPrefix(netip.PrefixFrom(v, v.BitLen())))
		}
	}
	ch, errNotify := s.Children.Accept(sa, ps, false, nil, peerSide, core.WireSelectors(s.Cfg.LocalTS), sa.Ni, sa.Nr)
	if errNotify != nil {
		// The IKE SA stands without a Child SA (§1.2); the initiator decides.
		s.Xchg.Respond(sa, h, append(out, errNotify))
		if sa == s.Reauth {
			s.ReauthFailed(&core.NotifyError{Exchange: wire.IKEAuth, Type: errNotify.NotifyType})
			return
		}
		s.Established(sa, peer, &core.Child{Sa: &core.ChildSA{}})
		return
	}
	out = append(out, core.AnswerSA(ch.Number, wire.ProtocolESP, core.SPIBytes(ch.C.InSPI), ch.C.Prop),
		&wire.TSi{Selectors: ch.C.RemoteTS}, &wire.TSr{Selectors: ch.C.LocalTS})
	s.Xchg.Respond(sa, h, out)
	if sa == s.Reauth {
		s.reauthAccepted(sa, peer, ch.C, prevVIPs)
		return
	}
	if err := s.Children.Activate(ch.C, nil); err != nil {
		s.Fail(sa, err)
		return
	}
	s.Children.List = append(s.Children.List, ch.C)
	s.Established(sa, peer, ch.C)
}

// reauthAccepted completes a reauthentication as responder: sa is current,
// and ch carries inbound traffic at once but outbound only when the
// initiator deletes the old IKE SA, as only then is it sure to have ch's
// inbound direction installed.
func (s *responder) reauthAccepted(sa *core.IKESA, peer wire.Identity, ch *core.Child, prev []netip.Addr) {
	s.stopHalfOpen()
	old := s.SA
	old.Superseded, old.Successor = slices.Clone(s.Children.List), ch
	s.Children.List = append(s.Children.List, ch)
	s.Reauth, s.SA = nil, sa
	s.Old = append(s.Old, old)
	sa.LastHeard = s.Clock.Now()
	s.RestartTimers()
	s.EmitReauthenticated(old, sa, peer, ch, prev)
}

// supersede runs when the peer deletes an IKE SA it reauthenticated: its
// successor Child SA takes the outbound traffic, and its own Child SAs
// linger inbound for the retire delay.
func (s *responder) supersede(sa *core.IKESA) {
	repl := sa.Successor
	var out *core.Child
	for _, c := range sa.Superseded {
		if c.Outbound {
			out = c
		}
	}
	if repl != nil && repl.Installed && !repl.Outbound {
		if err := s.Children.Activate(repl, out); err != nil {
			s.Log.Warn("ike: activating reauthenticated Child SA", "err", err)
		}
	}
	for _, c := range sa.Superseded {
		if slices.Contains(s.Children.List, c) {
			s.Children.Retire(c, true)
		}
	}
	sa.Superseded, sa.Successor = nil, nil
}
