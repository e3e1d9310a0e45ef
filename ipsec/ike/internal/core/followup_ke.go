package core

import (
	"bytes"
	"crypto/subtle"
	"time"

	"github.com/espressovpn/espresso/ipsec/ike/dh"
	"github.com/espressovpn/espresso/ipsec/ike/wire"
	"github.com/espressovpn/espresso/ipsec/suite"
)

// The additional key exchanges of a CREATE_CHILD_SA (RFC 9370 §2.2.4): when
// the chosen proposal of a rekey of the IKE SA or of a Child SA with PFS has
// ADDKE transforms, the response carries N(ADDITIONAL_KEY_EXCHANGE) with a
// token; the initiator then sends one IKE_FOLLOWUP_KE request per
// additional method, with the token of the last response and its KE
// payload, and the responder answers with its own KE payload and, if
// more exchanges follow, a new token. The new SA is made with all the
// shared secrets once the last exchange is done; an error on the way ends
// the rekey as a failed one, the old SA staying.

// followupTokenLen is the size of the tokens we hand out.
const followupTokenLen = 16

// followupResp is a rekey the peer started whose additional key exchanges
// we answer: the methods left, the secrets so far, and what makes the new
// SA at the end.
type followupResp struct {
	token   []byte
	methods []suite.TransformID
	secrets [][]byte
	// done makes the SA from the secrets of the additional exchanges;
	// abort ends the rekey without one.
	done  func(add [][]byte)
	abort func(reason string)
	// expiry ends the wait for a peer that never sends its next
	// IKE_FOLLOWUP_KE (followupLimit).
	expiry Timer
}

// wipe forgets the secrets and stops the expiry: every path that drops
// the rekey calls it.
func (f *followupResp) wipe() {
	if f.expiry != nil {
		f.expiry.Stop()
	}
	for _, s := range f.secrets {
		clear(s)
	}
	f.secrets = nil
}

// newFollowupToken returns a fresh token for N(ADDITIONAL_KEY_EXCHANGE).
func (k *rekeying) newFollowupToken() ([]byte, error) {
	b := make([]byte, followupTokenLen)
	if _, err := k.Rand.Read(b); err != nil {
		return nil, err
	}
	return b, nil
}

// awaitFollowups sets up our answers to the peer's IKE_FOLLOWUP_KE
// requests for methods, and returns the notify for the CREATE_CHILD_SA
// response. A rekey of the peer's still waiting is ended first.
func (k *rekeying) awaitFollowups(sa *IKESA, methods []suite.TransformID, done func([][]byte), abort func(string)) (*wire.Notify, error) {
	if f := sa.followup; f != nil {
		sa.followup = nil
		f.wipe()
		f.abort("a new CREATE_CHILD_SA before the additional key exchanges")
	}
	token, err := k.newFollowupToken()
	if err != nil {
		return nil, err
	}
	f := &followupResp{token: token, methods: methods, done: done, abort: abort}
	sa.followup = f
	k.expireFollowup(sa, f)
	return wire.NewNotify(wire.AdditionalKeyExchange, bytes.Clone(token)), nil
}

// followupLimit is how long we wait for each of the peer's IKE_FOLLOWUP_KE
// requests. RFC 9370 §2.2.4 sets no limit; a live initiator sends the
// request, with its retransmissions, within its retransmission series
// (RFC 7296 §2.1), and once the series is over it has given up on the
// IKE SA. Our own series (strongSwan's defaults, about 165 s) is the
// bound: shorter, and a request whose first copies were lost would find
// the rekey gone; without one, a peer that never follows up would keep
// the secrets so far until its next CREATE_CHILD_SA or the IKE SA's end.
func (k *rekeying) followupLimit() time.Duration {
	var total time.Duration
	for n := 0; n <= k.Cfg.Retransmit.Tries; n++ {
		total += k.Cfg.Retransmit.Delay(n)
	}
	return total
}

// expireFollowup (re)starts the wait for the peer's next IKE_FOLLOWUP_KE
// of f: when it runs out, the rekey ends as refused, its secrets wiped,
// and the old SA stays.
func (k *rekeying) expireFollowup(sa *IKESA, f *followupResp) {
	if f.expiry != nil {
		f.expiry.Stop()
	}
	f.expiry = k.After(k.followupLimit(), func() {
		if sa.followup != f {
			return
		}
		sa.followup = nil
		f.wipe()
		if sa != k.SA {
			return // the IKE SA went: nothing to report on
		}
		k.Log.Info("ike: the peer sent no IKE_FOLLOWUP_KE in time; rekey dropped")
		f.abort("no IKE_FOLLOWUP_KE in time")
	})
}

// followupRequest answers the peer's IKE_FOLLOWUP_KE request.
func (k *rekeying) followupRequest(sa *IKESA, h wire.Header, ps wire.Payloads) {
	f := sa.followup
	if f == nil || sa != k.SA {
		k.Log.Info("ike: unexpected IKE_FOLLOWUP_KE request")
		k.Xchg.Respond(sa, h, wire.Payloads{wire.NewNotify(wire.InvalidSyntax, nil)})
		return
	}
	fail := func(reason string) {
		sa.followup = nil
		f.wipe()
		k.Log.Info("ike: IKE_FOLLOWUP_KE refused", "reason", reason)
		k.Xchg.Respond(sa, h, wire.Payloads{wire.NewNotify(wire.InvalidSyntax, nil)})
		f.abort(reason)
	}
	n := ps.Notify(wire.AdditionalKeyExchange)
	if n == nil || subtle.ConstantTimeCompare(n.Data, f.token) != 1 {
		fail("ADDITIONAL_KEY_EXCHANGE missing or not the token we sent")
		return
	}
	group := f.methods[0]
	ke, err := exactlyOneKE(ps, group, dh.PublicKeyLen(group))
	if err != nil {
		fail(err.Error())
		return
	}
	data, secret, err := dh.Respond(group, ke.Data, k.Rand)
	if err != nil {
		fail(err.Error())
		return
	}
	f.secrets = append(f.secrets, secret)
	f.methods = f.methods[1:]
	out := wire.Payloads{&wire.KeyExchange{Group: group, Data: data}}
	if len(f.methods) > 0 {
		if f.token, err = k.newFollowupToken(); err != nil {
			fail(err.Error())
			return
		}
		out = append(out, wire.NewNotify(wire.AdditionalKeyExchange, bytes.Clone(f.token)))
		k.expireFollowup(sa, f)
		k.Xchg.Respond(sa, h, out)
		return
	}
	sa.followup = nil
	k.Xchg.Respond(sa, h, out)
	f.done(f.secrets)
	f.wipe()
}

// runFollowups runs our IKE_FOLLOWUP_KE exchanges for methods after the
// response ps of our CREATE_CHILD_SA, then calls done with the secrets;
// fail ends the rekey on an error.
func (k *rekeying) runFollowups(sa *IKESA, methods []suite.TransformID, ps wire.Payloads, secrets [][]byte, done func([][]byte), fail func(string)) {
	wipe := func() {
		for _, s := range secrets {
			clear(s)
		}
	}
	if len(methods) == 0 {
		done(secrets)
		wipe()
		return
	}
	n := ps.Notify(wire.AdditionalKeyExchange)
	if n == nil || len(n.Data) == 0 {
		wipe()
		fail("no ADDITIONAL_KEY_EXCHANGE notify for the additional key exchanges")
		return
	}
	group := methods[0]
	ke, err := dh.Generate(group, k.Rand)
	if err != nil {
		wipe()
		k.Down(err)
		return
	}
	// KEi(n) then the token, in the order of RFC 9370 §2.2.4's figure.
	out := wire.Payloads{&wire.KeyExchange{Group: group, Data: ke.PublicKey()}, wire.NewNotify(wire.AdditionalKeyExchange, bytes.Clone(n.Data))}
	r := k.Xchg.request(sa, wire.IKEFollowupKE, out, func(_ wire.Header, rps wire.Payloads, _ []byte) {
		defer ke.Zero()
		if en := rps.ErrorNotify(); en != nil {
			wipe()
			fail("IKE_FOLLOWUP_KE refused with " + en.NotifyType.String())
			return
		}
		peer, err := exactlyOneKE(rps, group, dh.ResponseLen(group))
		if err != nil {
			wipe()
			fail(err.Error())
			return
		}
		s, err := ke.SharedSecret(peer.Data)
		if err != nil {
			wipe()
			fail(err.Error())
			return
		}
		k.Log.Info("ike: IKE_FOLLOWUP_KE done", "method", suite.KEName(group), "left", len(methods)-1)
		k.runFollowups(sa, methods[1:], rps, append(secrets, s), done, fail)
	})
	if r != nil {
		r.failed = func(err error) {
			ke.Zero()
			wipe()
			k.Down(err)
		}
	}
}
