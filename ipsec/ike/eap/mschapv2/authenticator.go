package mschapv2

import (
	"bytes"
	"crypto/rand"
	"crypto/subtle"
	"encoding/hex"
	"fmt"
	"io"
	"strings"

	"github.com/espressovpn/espresso/ipsec/ike/eap"
)

// authState is where an Authenticator's exchange stands.
type authState int

const (
	sentChallenge authState = iota
	sentSuccess
	sentFailure
	accepted
)

// Authenticator is the authenticator side of EAP-MSCHAPv2, an
// eap.AuthenticatorMethod for in-process tests and the IKE responder. It
// answers as strongSwan's plugin does, but gives a single try: a wrong
// password gets a Failure Request with E=691 R=0.
type Authenticator struct {
	name     string
	lookup   func(user string) (password string, ok bool)
	rand     io.Reader
	id       uint8
	state    authState
	auth     [challengeLen]byte
	msk      []byte
	username string
}

// NewAuthenticator returns an Authenticator that names itself name in the
// Challenge, finds passwords with lookup, and draws challenges from rand
// (nil means crypto/rand). id is the first MS-CHAPv2-ID.
func NewAuthenticator(name string, id uint8, lookup func(user string) (string, bool), rand io.Reader) *Authenticator {
	return &Authenticator{name: name, lookup: lookup, rand: rand, id: id}
}

// Type returns eap.TypeMSCHAPv2.
func (a *Authenticator) Type() eap.Type { return eap.TypeMSCHAPv2 }

// Start returns the Challenge Request (RFC 2759 §3).
func (a *Authenticator) Start() ([]byte, error) {
	rnd := a.rand
	if rnd == nil {
		rnd = rand.Reader
	}
	if _, err := io.ReadFull(rnd, a.auth[:]); err != nil {
		return nil, fmt.Errorf("mschapv2: challenge: %w", err)
	}
	return appendMessage(nil, opChallenge, a.id, []byte{challengeLen}, a.auth[:], []byte(a.name)), nil
}

// Process handles the peer's Response, Success Response or Failure
// Response.
func (a *Authenticator) Process(data []byte) ([]byte, eap.Outcome, error) {
	if len(data) == 1 {
		switch {
		case data[0] == opSuccess && a.state == sentSuccess:
			a.state = accepted
			return nil, eap.Accept, nil
		case data[0] == opFailure && a.state == sentFailure:
			return nil, eap.Reject, nil
		}
		return nil, eap.Reject, fmt.Errorf("%w: MSCHAPv2 OpCode %d", eap.ErrUnexpected, data[0])
	}
	m, err := parseMessage(data)
	if err != nil {
		return nil, eap.Reject, err
	}
	if m.op != opResponse || a.state != sentChallenge || m.id != a.id {
		return nil, eap.Reject, fmt.Errorf("%w: MSCHAPv2 OpCode %d, ID %d", eap.ErrUnexpected, m.op, m.id)
	}
	r, err := parseResponse(m.body)
	if err != nil {
		return nil, eap.Reject, err
	}
	password, ok := a.lookup(r.name)
	if !ok {
		return a.refuse(), eap.Continue, nil
	}
	h := ntPasswordHash(password)
	defer clear(h[:])
	want := ntResponse(a.auth, r.peer, r.name, h)
	if subtle.ConstantTimeCompare(want[:], r.nt[:]) != 1 {
		return a.refuse(), eap.Continue, nil
	}
	hh := hashNTPasswordHash(h)
	defer clear(hh[:])
	a.msk = msk(hh, r.nt)
	a.username = r.name
	a.state = sentSuccess
	msg := authString(authenticatorResponse(hh, r.nt, r.peer, a.auth, r.name)) + " M=Welcome"
	return appendMessage(nil, opSuccess, a.id, []byte(msg)), eap.Continue, nil
}

// refuse returns the Failure Request for a wrong user name or password.
func (a *Authenticator) refuse() []byte {
	a.state = sentFailure
	msg := fmt.Sprintf("E=%d R=0 C=%s V=3 M=Authentication failed", ErrorAuthenticationFailed, strings.ToUpper(hex.EncodeToString(a.auth[:])))
	return appendMessage(nil, opFailure, a.id, []byte(msg))
}

// User returns the name the peer authenticated as, after Accept.
func (a *Authenticator) User() string { return a.username }

// MSK returns the MSK after Accept; it equals the peer's.
func (a *Authenticator) MSK() ([]byte, error) {
	if a.state != accepted {
		return nil, fmt.Errorf("%w: MSCHAPv2 has not completed", eap.ErrUnexpected)
	}
	return bytes.Clone(a.msk), nil
}
