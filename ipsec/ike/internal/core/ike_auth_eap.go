package core

import (
	"errors"
	"slices"

	"github.com/espressovpn/espresso/ipsec/ike/eap"
	"github.com/espressovpn/espresso/ipsec/ike/wire"
)

// EAPState is the EAP conversation of one IKE_AUTH (RFC 7296 §2.16).
type EAPState struct {
	// peer runs our side as initiator, authn the gateway's as responder.
	peer  *eap.Peer
	Authn *eap.Authenticator
	// PeerID is the other side's identity from its first IKE_AUTH message.
	PeerID wire.Identity
	// Request holds the SA, TS and CP payloads of the initiator's first
	// IKE_AUTH request, which the responder answers at the end.
	Request wire.Payloads
	// msk keys the AUTH payloads once the method succeeded (nil: the
	// method has none and SK_pi/SK_pr do).
	msk []byte
}

// Close ends the conversation, whether it completed or was abandoned,
// and wipes the MSK.
func (st *EAPState) Close() {
	if st.peer != nil {
		st.peer.Close()
	}
	if st.Authn != nil {
		st.Authn.Close()
	}
	clear(st.msk)
	st.msk = nil
}

// AuthKeys returns the shared secrets of the AUTH payloads that close an
// EAP IKE_AUTH (§2.16): the MSK for both, or SK_p of each side when the
// method produced none. They stay valid while the conversation is open.
func (st *EAPState) AuthKeys(sa *IKESA) (ours, theirs []byte, err error) {
	if st.msk == nil {
		var msk []byte
		if st.peer != nil {
			msk, err = st.peer.MSK()
		} else {
			msk, err = st.Authn.MSK()
		}
		if errors.Is(err, eap.ErrNoMSK) {
			ours, theirs = sa.keys.skp(sa.Initiator)
			return ours, theirs, nil
		}
		if err != nil {
			return nil, nil, err
		}
		st.msk = slices.Clone(msk)
	}
	return st.msk, st.msk, nil
}

// eapAnswered hands the EAP payload of an IKE_AUTH response to the peer
// and sends what follows: its Response in an IKE_AUTH request of its own,
// or after the gateway's Success our AUTH keyed by the MSK (§2.16).
func (i *initiator) eapAnswered(sa *IKESA, co *childOffer, ps wire.Payloads) {
	st := sa.EAP
	e, _ := wire.First[*wire.EAP](ps)
	if e == nil {
		i.live.sendDeleteIKE(sa)
		i.Fail(sa, i.eapMissing(sa, ps, "EAP"))
		return
	}
	out, err := st.peer.Handle(e.Packet)
	if err != nil {
		i.live.sendDeleteIKE(sa)
		i.Fail(sa, &EAPError{Method: st.peer.Method(), Err: err})
		return
	}
	if out != nil {
		i.Xchg.request(sa, wire.IKEAuth, wire.Payloads{&wire.EAP{Packet: out}}, func(_ wire.Header, ps wire.Payloads, _ []byte) {
			i.eapAnswered(sa, co, ps)
		})
		return
	}
	ours, _, err := st.AuthKeys(sa)
	if err != nil {
		i.live.sendDeleteIKE(sa)
		i.Fail(sa, &EAPError{Method: st.peer.Method(), Err: err})
		return
	}
	i.Log.Info("ike: EAP succeeded", "method", st.peer.Method())
	a := i.SharedKeyAuth(sa, sa.InitReq, sa.Nr, sa.LocalID, ours)
	i.Xchg.request(sa, wire.IKEAuth, wire.Payloads{a}, func(_ wire.Header, ps wire.Payloads, _ []byte) {
		i.eapAuthAnswered(sa, co, ps)
	})
}

// eapAuthAnswered checks the gateway's AUTH keyed by the MSK in the last
// IKE_AUTH response, which also holds the Child SA and the configuration.
func (i *initiator) eapAuthAnswered(sa *IKESA, co *childOffer, ps wire.Payloads) {
	st := sa.EAP
	a, _ := wire.First[*wire.Authentication](ps)
	if a == nil {
		i.live.sendDeleteIKE(sa)
		i.Fail(sa, i.eapMissing(sa, ps, "AUTH"))
		return
	}
	_, theirs, err := st.AuthKeys(sa)
	if err == nil {
		err = i.CheckSharedKeyAuth(sa, a, sa.InitRsp, sa.Ni, st.PeerID, theirs, "the EAP key")
	}
	if err != nil {
		i.live.sendDeleteIKE(sa)
		i.Fail(sa, err)
		return
	}
	peer := st.PeerID
	st.Close()
	sa.EAP = nil
	i.completeAuth(sa, co, ps, peer)
}

// eapMissing explains an IKE_AUTH response during EAP that lacks the
// payload expected. AUTHENTICATION_FAILED without an EAP Failure gets the
// reason the method recorded, if it did (a refused password whose Failure
// the gateway did not send).
func (i *initiator) eapMissing(sa *IKESA, ps wire.Payloads, what string) error {
	n := ps.ErrorNotify()
	if n == nil {
		return &AuthError{Reason: "IKE_AUTH response without " + what}
	}
	if n.NotifyType == wire.AuthenticationFailed {
		if err := sa.EAP.peer.Err(); err != nil {
			return &EAPError{Method: sa.EAP.peer.Method(), Err: err}
		}
	}
	return errorFromNotify(wire.IKEAuth, n, false)
}
