package eap

import (
	"fmt"
	"io"
)

// Outcome is what an authenticator-side method decided after a Response.
type Outcome int

// Outcomes of AuthenticatorMethod.Process.
const (
	// Continue: send the returned Request.
	Continue Outcome = iota
	// Accept: the peer authenticated; send Success.
	Accept
	// Reject: the peer failed; send Failure.
	Reject
)

// AuthenticatorMethod is the authenticator side of a method (RFC 3748
// §2). Espresso is a client; these exist so that a whole IKE_AUTH with EAP
// can run between two endpoints in one process, as the IKE responder does.
type AuthenticatorMethod interface {
	// Type is the method's EAP type.
	Type() Type
	// Start returns the Type-Data of the method's first Request.
	Start() ([]byte, error)
	// Process handles the Type-Data of the peer's Response. With Continue
	// it returns the Type-Data of the next Request.
	Process(data []byte) ([]byte, Outcome, error)
	// MSK returns the Master Session Key after Accept, or ErrNoMSK.
	MSK() ([]byte, error)
}

// Authenticator runs one conversation as the authenticator: an Identity
// Request, then its method, then Success or Failure (RFC 3748 §2).
type Authenticator struct {
	method   AuthenticatorMethod
	id       uint8
	identity string
	started  bool
	state    State
	requests int
}

// NewAuthenticator returns an Authenticator for one method. firstID is
// the Identifier of the first Request; later ones count up from it
// (RFC 3748 §4: each new Request gets a new Identifier).
func NewAuthenticator(m AuthenticatorMethod, firstID uint8) *Authenticator {
	return &Authenticator{method: m, id: firstID}
}

// Start returns the first Request, an Identity Request (RFC 3748 §5.1).
func (a *Authenticator) Start() ([]byte, error) {
	return Packet{Code: CodeRequest, Identifier: a.id, Type: TypeIdentity}.Marshal()
}

// Handle processes the peer's Response and returns the next packet to send:
// a Request, or Success or Failure, after which State tells the outcome.
func (a *Authenticator) Handle(b []byte) ([]byte, error) {
	if a.state != Running {
		return nil, fmt.Errorf("%w: the conversation is over", ErrUnexpected)
	}
	if a.requests++; a.requests > maxRequests {
		return a.finish(Reject)
	}
	p, err := Parse(b)
	if err != nil {
		return nil, err
	}
	if p.Code != CodeResponse || p.Identifier != a.id {
		return nil, fmt.Errorf("%w: %v with identifier %d, expected a Response to %d", ErrUnexpected, p.Code, p.Identifier, a.id)
	}
	var data []byte
	outcome := Continue
	switch {
	case !a.started && p.Type == TypeIdentity:
		a.identity, a.started = string(p.Data), true
		data, err = a.method.Start()
	case p.Type == TypeNak:
		// One method only: a refusal ends the conversation.
		outcome = Reject
	case a.started && p.Type == a.method.Type():
		data, outcome, err = a.method.Process(p.Data)
	default:
		return nil, fmt.Errorf("%w: %v Response", ErrUnexpected, p.Type)
	}
	if err != nil {
		return nil, err
	}
	if outcome != Continue {
		return a.finish(outcome)
	}
	a.id++
	return Packet{Code: CodeRequest, Identifier: a.id, Type: a.method.Type(), Data: data}.Marshal()
}

// finish returns Success or Failure with the Identifier of the Response it
// answers (RFC 3748 §4.2).
func (a *Authenticator) finish(o Outcome) ([]byte, error) {
	c := CodeFailure
	a.state = Failed
	if o == Accept {
		c, a.state = CodeSuccess, Succeeded
	}
	return Packet{Code: c, Identifier: a.id}.Marshal()
}

// Identity returns the identity the peer gave.
func (a *Authenticator) Identity() string { return a.identity }

// State returns where the conversation stands.
func (a *Authenticator) State() State { return a.state }

// MSK returns the method's Master Session Key after Success.
func (a *Authenticator) MSK() ([]byte, error) {
	if a.state != Succeeded {
		return nil, fmt.Errorf("%w: no MSK before Success", ErrUnexpected)
	}
	return a.method.MSK()
}

// Close ends the conversation and closes the method if it holds resources
// (the EAP-TLS goroutine); the IKE responder calls it when IKE_AUTH ends,
// whether it completed or was abandoned.
func (a *Authenticator) Close() {
	if a.state == Running {
		a.state = Failed
	}
	if c, ok := a.method.(io.Closer); ok {
		c.Close()
	}
}
