package eap

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"slices"
)

// maxRequests bounds one conversation. EAP has no limit of its own (the
// lower layer's timers end it, RFC 3748 §4.3); EAP-TLS with a long chain
// in 1 KB fragments stays far below this, a looping authenticator does not.
const maxRequests = 256

// Peer answers an authenticator's EAP Requests (RFC 3748 §2) with one of
// its Methods, for one IKE_AUTH exchange (RFC 7296 §2.16). It is not safe
// for concurrent use; the IKE SA that owns it calls it from its own loop.
type Peer struct {
	identity []byte
	methods  []Method

	current   Method
	refused   []Type
	rejection error
	state     State
	err       error
	requests  int

	lastRequest, lastResponse []byte

	msk    []byte
	mskErr error
}

// NewPeer returns a Peer that answers Identity Requests with identity (the
// EAP identity, often the user name; RFC 3748 §5.1 wants it without a
// terminating NUL) and authenticates with the first of methods the
// authenticator asks for.
func NewPeer(identity string, methods ...Method) *Peer {
	return &Peer{identity: []byte(identity), methods: methods}
}

// Handle processes one EAP packet from the authenticator (the content of an
// EAP payload in an IKE_AUTH response) and returns the packet to send back
// in the next IKE_AUTH request. It returns:
//
//   - a Response and a nil error while the conversation goes on;
//   - nil, nil when the authenticator sent Success: State is Succeeded and
//     MSK keys the AUTH payloads;
//   - nil and an error once the conversation has failed. The error wraps
//     ErrRejected, ErrMethodNotSupported, ErrAuthenticatorUnproven,
//     ErrUnexpected or ErrMalformed, and every later call returns it too.
func (p *Peer) Handle(packet []byte) ([]byte, error) {
	if p.state != Running {
		if p.err != nil {
			return nil, p.err
		}
		return nil, fmt.Errorf("%w: %s conversation already succeeded", ErrUnexpected, "EAP")
	}
	resp, err := p.handle(packet)
	if err != nil {
		p.state, p.err = Failed, err
	}
	if p.state != Running {
		p.Close()
	}
	if err != nil {
		return nil, err
	}
	return resp, nil
}

// Close ends the conversation: methods that hold resources (the EAP-TLS
// goroutine) implement io.Closer and are closed. The IKE SA calls it when
// it gives up on IKE_AUTH; Handle calls it at Success and Failure, after
// taking the MSK.
func (p *Peer) Close() {
	if p.state == Running {
		p.state = Failed
		if p.err == nil {
			p.err = fmt.Errorf("%w: the conversation was abandoned", ErrUnexpected)
		}
	}
	for _, m := range p.methods {
		if c, ok := m.(io.Closer); ok {
			c.Close()
		}
	}
}

func (p *Peer) handle(packet []byte) ([]byte, error) {
	pkt, err := Parse(packet)
	if err != nil {
		return nil, err
	}
	switch pkt.Code {
	case CodeSuccess:
		if p.current == nil || !p.current.Complete() {
			return nil, fmt.Errorf("%w: Success before the method completed", ErrUnexpected)
		}
		p.state = Succeeded
		// Take the MSK now: closing the method afterwards may wipe what
		// it is derived from.
		p.msk, p.mskErr = p.current.MSK()
		return nil, nil
	case CodeFailure:
		return nil, p.failure()
	case CodeResponse:
		return nil, fmt.Errorf("%w: a Response from the authenticator", ErrUnexpected)
	}
	// RFC 3748 §4.1: a retransmitted Request is answered with the same
	// Response, without processing it again.
	if p.lastRequest != nil && bytes.Equal(packet[:pkt.Len()], p.lastRequest) {
		return slices.Clone(p.lastResponse), nil
	}
	if p.requests++; p.requests > maxRequests {
		return nil, fmt.Errorf("%w: more than %d Requests", ErrUnexpected, maxRequests)
	}
	typ, data, err := p.respond(pkt)
	if err != nil {
		return nil, err
	}
	out, err := Packet{Code: CodeResponse, Identifier: pkt.Identifier, Type: typ, Data: data}.Marshal()
	if err != nil {
		return nil, err
	}
	p.lastRequest = append(p.lastRequest[:0], packet[:pkt.Len()]...)
	p.lastResponse = append(p.lastResponse[:0], out...)
	return out, nil
}

// respond returns the Type and Type-Data of the Response to pkt.
func (p *Peer) respond(pkt Packet) (Type, []byte, error) {
	switch pkt.Type {
	case TypeIdentity:
		return TypeIdentity, p.identity, nil
	case TypeNotification:
		// RFC 3748 §5.2: the Response to a Notification has no data.
		return TypeNotification, nil, nil
	case TypeNak:
		return 0, nil, malformed("a Nak in a Request")
	}
	if p.current != nil && p.current.Type() != pkt.Type {
		// RFC 3748 §2.1: once the peer answered a method, the authenticator
		// must not switch to another one.
		return 0, nil, fmt.Errorf("%w: %v Request during %v", ErrUnexpected, pkt.Type, p.current.Type())
	}
	if p.current == nil {
		i := slices.IndexFunc(p.methods, func(m Method) bool { return m.Type() == pkt.Type })
		if i < 0 {
			// RFC 3748 §5.3: refuse with the methods we have; a Request of
			// the Expanded Type gets an Expanded Nak (§5.3.2).
			p.refused = append(p.refused, pkt.Type)
			if pkt.Type == TypeExpanded {
				return TypeExpanded, ExpandedNakData(p.offered()), nil
			}
			return TypeNak, NakData(p.offered()), nil
		}
		p.current = p.methods[i]
	}
	resp, err := p.current.Process(pkt.Data)
	if err != nil {
		if resp != nil && errors.Is(err, ErrRejected) {
			p.rejection = err
			return pkt.Type, resp, nil
		}
		return 0, nil, err
	}
	return pkt.Type, resp, nil
}

// failure explains a Failure from the authenticator (RFC 3748 §4.2).
func (p *Peer) failure() error {
	switch {
	case p.rejection != nil:
		return p.rejection
	case p.current == nil && len(p.refused) > 0:
		return &UnsupportedError{Requested: p.refused, Offered: p.offered()}
	case p.current == nil:
		return fmt.Errorf("%w: the gateway refused the identity %q", ErrRejected, p.identity)
	}
	return fmt.Errorf("%w by the gateway during %v", ErrRejected, p.current.Type())
}

// offered lists our methods' types in order of preference.
func (p *Peer) offered() []Type {
	out := make([]Type, 0, len(p.methods))
	for _, m := range p.methods {
		out = append(out, m.Type())
	}
	return out
}

// State returns where the conversation stands.
func (p *Peer) State() State { return p.state }

// Err returns why the conversation failed, or the refusal a method has
// recorded while waiting for the authenticator's Failure (so that an IKE
// AUTHENTICATION_FAILED without an EAP Failure still gets its reason), or
// nil.
func (p *Peer) Err() error {
	if p.err != nil {
		return p.err
	}
	return p.rejection
}

// Method returns the type of the method in use, or 0 before one started.
func (p *Peer) Method() Type {
	if p.current == nil {
		return 0
	}
	return p.current.Type()
}

// MSK returns the method's Master Session Key after Success. It wraps
// ErrNoMSK for a method without one; IKEv2 then signs with SK_pi/SK_pr
// (RFC 7296 §2.16).
func (p *Peer) MSK() ([]byte, error) {
	if p.state != Succeeded {
		return nil, fmt.Errorf("%w: no MSK before Success", ErrUnexpected)
	}
	if p.mskErr != nil {
		return nil, p.mskErr
	}
	return slices.Clone(p.msk), nil
}
