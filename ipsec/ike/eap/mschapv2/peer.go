package mschapv2

import (
	"bytes"
	"crypto/rand"
	"crypto/sha1"
	"fmt"
	"io"

	"github.com/espressovpn/espresso/ipsec/ike/eap"
)

// peerState is where a Peer's exchange stands.
type peerState int

const (
	awaitChallenge peerState = iota
	awaitSuccess
	complete
	failed
)

// Peer is the peer side of EAP-MSCHAPv2, an eap.Method: it answers the
// Challenge with an NT-Response, checks the authenticator response in the
// Success Request, and derives the MSK.
type Peer struct {
	user string
	hash [hashLen]byte
	rand io.Reader

	state    peerState
	authResp [sha1.Size]byte
	msk      []byte
}

// NewPeer returns a Peer for user and password. user goes into the
// Response as given; a "DOMAIN\" prefix is left out of the hashes (RFC 2759
// §8.2). rand supplies the Peer-Challenge; nil means crypto/rand.
func NewPeer(user, password string, rand io.Reader) *Peer {
	return &Peer{user: user, hash: ntPasswordHash(password), rand: rand}
}

// Type returns eap.TypeMSCHAPv2.
func (p *Peer) Type() eap.Type { return eap.TypeMSCHAPv2 }

// Process answers a Challenge, Success or Failure Request.
func (p *Peer) Process(data []byte) ([]byte, error) {
	m, err := parseMessage(data)
	if err != nil {
		return nil, err
	}
	switch {
	case m.op == opChallenge && p.state == awaitChallenge:
		return p.challenge(m)
	case m.op == opSuccess && p.state == awaitSuccess:
		return p.success(m)
	case m.op == opFailure && (p.state == awaitChallenge || p.state == awaitSuccess):
		// RFC 2759 §6 lets a retriable failure start over, but with the
		// same password that would only fail again: acknowledge with a
		// Failure Response (draft-kamath §2.5) so the authenticator ends
		// with an EAP Failure, and report its reason.
		p.state = failed
		return []byte{opFailure}, parseFailure(m.body)
	}
	return nil, fmt.Errorf("%w: MSCHAPv2 OpCode %d in state %d", eap.ErrUnexpected, m.op, p.state)
}

// challenge computes the Response (RFC 2759 §4) and, ahead of the
// authenticator's proof, what that proof must be and the MSK.
func (p *Peer) challenge(m message) ([]byte, error) {
	auth, _, err := parseChallenge(m.body)
	if err != nil {
		return nil, err
	}
	r := response{name: p.user}
	rnd := p.rand
	if rnd == nil {
		rnd = rand.Reader
	}
	if _, err := io.ReadFull(rnd, r.peer[:]); err != nil {
		return nil, fmt.Errorf("mschapv2: peer challenge: %w", err)
	}
	r.nt = ntResponse(auth, r.peer, p.user, p.hash)
	hh := hashNTPasswordHash(p.hash)
	defer clear(hh[:])
	p.authResp = authenticatorResponse(hh, r.nt, r.peer, auth, p.user)
	p.msk = msk(hh, r.nt)
	p.state = awaitSuccess
	return appendMessage(nil, opResponse, m.id, r.append(nil)), nil
}

// success checks "S=<auth_string> M=<message>" (RFC 2759 §5, §8.8) and
// answers with a Success Response, the OpCode alone (draft-kamath §2.4).
func (p *Peer) success(m message) ([]byte, error) {
	s, _, _ := bytes.Cut(m.body, []byte(" "))
	if !checkAuthString(string(s), p.authResp) {
		p.state = failed
		return nil, fmt.Errorf("%w: wrong MSCHAPv2 authenticator response", eap.ErrAuthenticatorUnproven)
	}
	p.state = complete
	return []byte{opSuccess}, nil
}

// Complete reports whether the authenticator response has been verified.
func (p *Peer) Complete() bool { return p.state == complete }

// MSK returns the 64-octet MSK once Complete.
func (p *Peer) MSK() ([]byte, error) {
	if p.state != complete {
		return nil, fmt.Errorf("%w: MSCHAPv2 has not completed", eap.ErrUnexpected)
	}
	return bytes.Clone(p.msk), nil
}

// Wipe clears the password hash and keys; the Peer is unusable after.
func (p *Peer) Wipe() {
	clear(p.hash[:])
	clear(p.msk)
	clear(p.authResp[:])
	p.state = failed
}

// Close wipes the Peer (see Wipe); eap.Peer calls it when the conversation
// ends, after taking the MSK.
func (p *Peer) Close() error {
	p.Wipe()
	return nil
}
