package responder

import (
	"slices"

	"github.com/espressovpn/espresso/ipsec/ike/eap"
	"github.com/espressovpn/espresso/ipsec/ike/internal/core"
	"github.com/espressovpn/espresso/ipsec/ike/wire"
)

// startEAP answers an IKE_AUTH request without AUTH (§2.16) with our
// identity and authentication and the first EAP Request. The Child SA and
// configuration the request asks for are answered when EAP has succeeded.
func (s *responder) startEAP(sa *core.IKESA, h wire.Header, idi wire.Identity, ps wire.Payloads) {
	if a, _ := wire.First[*wire.Authentication](ps); a != nil {
		s.refuseAuth(sa, h, &core.AuthError{Reason: "the initiator authenticated with " + a.Method.String() + ", EAP is required"})
		return
	}
	out, err := s.responderAuth(sa)
	if err != nil {
		s.refuseAuth(sa, h, err)
		return
	}
	st := &core.EAPState{Authn: s.Cfg.EAPAuthenticator(), PeerID: wire.Identity{IDType: idi.IDType, Data: slices.Clone(idi.Data)}}
	for _, p := range ps {
		switch p.(type) {
		case *wire.SecurityAssociation, *wire.TSi, *wire.TSr, *wire.Configuration:
			st.Request = append(st.Request, p)
		}
	}
	sa.EAP = st
	first, err := st.Authn.Start()
	if err != nil {
		s.refuseAuth(sa, h, err)
		return
	}
	s.Xchg.Respond(sa, h, append(out, &wire.EAP{Packet: first}))
}

// eapRequest answers the initiator's IKE_AUTH requests during EAP: its
// EAP Responses with the authenticator's next packet, then, after
// Success, its AUTH keyed by the MSK with ours and the Child SA (§2.16).
func (s *responder) eapRequest(sa *core.IKESA, h wire.Header, ps wire.Payloads) {
	st := sa.EAP
	if st.Authn.State() == eap.Succeeded {
		a, _ := wire.First[*wire.Authentication](ps)
		ours, theirs, err := st.AuthKeys(sa)
		if err == nil {
			err = s.CheckSharedKeyAuth(sa, a, sa.InitReq, sa.Nr, st.PeerID, theirs, "the EAP key")
		}
		if err != nil {
			s.refuseAuth(sa, h, err)
			return
		}
		out := wire.Payloads{s.SharedKeyAuth(sa, sa.InitRsp, sa.Ni, sa.LocalID, ours)}
		req, peer := st.Request, st.PeerID
		st.Close()
		sa.EAP = nil
		s.acceptAuth(sa, h, out, req, peer)
		return
	}
	e, _ := wire.First[*wire.EAP](ps)
	if e == nil {
		s.refuseAuth(sa, h, &core.AuthError{Reason: "IKE_AUTH request without EAP during EAP"})
		return
	}
	next, err := st.Authn.Handle(e.Packet)
	if err != nil {
		s.refuseAuth(sa, h, &core.AuthError{Reason: "EAP: " + err.Error(), Err: err})
		return
	}
	s.Xchg.Respond(sa, h, wire.Payloads{&wire.EAP{Packet: next}})
	if st.Authn.State() == eap.Failed {
		s.Fail(sa, &core.AuthError{Reason: "the peer failed EAP authentication"})
	}
}
