package eap

import (
	"bytes"
	"errors"
	"fmt"
	"testing"
)

// countMethod is a two-round test method of type 4: it answers round n with
// the request's data plus n, completes after the second round and derives
// a fixed MSK, or none when noMSK is set. reject makes its second round
// refuse like an MSCHAPv2 Failure Request.
type countMethod struct {
	rounds int
	noMSK  bool
	reject bool
}

func (m *countMethod) Type() Type { return TypeMD5Challenge }

func (m *countMethod) Process(data []byte) ([]byte, error) {
	m.rounds++
	resp := append(bytes.Clone(data), byte(m.rounds))
	if m.reject && m.rounds == 2 {
		return resp, fmt.Errorf("%w: test refusal", ErrRejected)
	}
	if m.rounds > 2 {
		return nil, malformed("third round")
	}
	return resp, nil
}

func (m *countMethod) Complete() bool { return m.rounds == 2 && !m.reject }

func (m *countMethod) MSK() ([]byte, error) {
	if m.noMSK {
		return nil, ErrNoMSK
	}
	return bytes.Repeat([]byte{0x5a}, 64), nil
}

func req(t *testing.T, id uint8, typ Type, data ...byte) []byte {
	t.Helper()
	b, err := Packet{Code: CodeRequest, Identifier: id, Type: typ, Data: data}.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func code(c Code, id uint8) []byte {
	b, _ := Packet{Code: c, Identifier: id}.Marshal()
	return b
}

// step hands pkt to p and checks the Response's identifier, type and data.
func step(t *testing.T, p *Peer, pkt []byte, typ Type, data []byte) {
	t.Helper()
	out, err := p.Handle(pkt)
	if err != nil {
		t.Fatalf("Handle: %v", err)
	}
	r, err := Parse(out)
	if err != nil {
		t.Fatal(err)
	}
	if r.Code != CodeResponse || r.Identifier != pkt[1] || r.Type != typ || !bytes.Equal(r.Data, data) {
		t.Fatalf("response %v id %d type %v data %x, want id %d type %v data %x", r.Code, r.Identifier, r.Type, r.Data, pkt[1], typ, data)
	}
}

func TestPeerSuccess(t *testing.T) {
	p := NewPeer("alice", &countMethod{})
	step(t, p, req(t, 1, TypeIdentity), TypeIdentity, []byte("alice"))
	step(t, p, req(t, 2, TypeNotification, 'h', 'i'), TypeNotification, nil)
	step(t, p, req(t, 3, TypeMD5Challenge, 7), TypeMD5Challenge, []byte{7, 1})
	if _, err := p.MSK(); !errors.Is(err, ErrUnexpected) {
		t.Errorf("MSK before Success: %v", err)
	}
	step(t, p, req(t, 4, TypeMD5Challenge, 8), TypeMD5Challenge, []byte{8, 2})
	out, err := p.Handle(code(CodeSuccess, 4))
	if out != nil || err != nil || p.State() != Succeeded {
		t.Fatalf("Success: %x %v %v", out, err, p.State())
	}
	if p.Method() != TypeMD5Challenge {
		t.Errorf("method %v", p.Method())
	}
	msk, err := p.MSK()
	if err != nil || len(msk) != 64 {
		t.Errorf("MSK: %d bytes, %v", len(msk), err)
	}
	if _, err := p.Handle(req(t, 5, TypeIdentity)); !errors.Is(err, ErrUnexpected) {
		t.Errorf("Request after Success: %v", err)
	}
}

func TestPeerNoMSK(t *testing.T) {
	p := NewPeer("alice", &countMethod{noMSK: true})
	step(t, p, req(t, 3, TypeMD5Challenge), TypeMD5Challenge, []byte{1})
	step(t, p, req(t, 4, TypeMD5Challenge), TypeMD5Challenge, []byte{2})
	if _, err := p.Handle(code(CodeSuccess, 4)); err != nil {
		t.Fatal(err)
	}
	if _, err := p.MSK(); !errors.Is(err, ErrNoMSK) {
		t.Errorf("MSK: %v, want ErrNoMSK", err)
	}
}

func TestPeerEarlySuccess(t *testing.T) {
	// RFC 3748 §4.2 / §7.2.1: a Success before the method finished would
	// skip its checks of the authenticator.
	for name, before := range map[string][][]byte{
		"no method":  nil,
		"mid-method": {req(t, 3, TypeMD5Challenge, 0)},
	} {
		p := NewPeer("alice", &countMethod{})
		for _, b := range before {
			if _, err := p.Handle(b); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := p.Handle(code(CodeSuccess, 3)); !errors.Is(err, ErrUnexpected) || p.State() != Failed {
			t.Errorf("%s: %v, state %v", name, err, p.State())
		}
	}
}

func TestPeerNak(t *testing.T) {
	p := NewPeer("alice", &countMethod{})
	step(t, p, req(t, 1, TypeTLS, 0x20), TypeNak, []byte{byte(TypeMD5Challenge)})
	step(t, p, req(t, 2, TypeExpanded, 0, 0, 9, 0, 0, 0, 1), TypeExpanded, ExpandedNakData([]Type{TypeMD5Challenge}))
	_, err := p.Handle(code(CodeFailure, 2))
	var ue *UnsupportedError
	if !errors.Is(err, ErrMethodNotSupported) || !errors.As(err, &ue) || len(ue.Requested) != 2 || ue.Requested[0] != TypeTLS {
		t.Fatalf("Failure after Nak: %v", err)
	}
	// A Nak is not a method start: the gateway may still pick ours.
	p = NewPeer("alice", &countMethod{})
	step(t, p, req(t, 1, TypeMSCHAPv2), TypeNak, []byte{byte(TypeMD5Challenge)})
	step(t, p, req(t, 2, TypeMD5Challenge, 5), TypeMD5Challenge, []byte{5, 1})
}

func TestPeerNoMethods(t *testing.T) {
	p := NewPeer("alice")
	step(t, p, req(t, 1, TypeMSCHAPv2), TypeNak, []byte{0})
}

func TestPeerMethodSwitch(t *testing.T) {
	// RFC 3748 §2.1: no other method once one has started.
	p := NewPeer("alice", &countMethod{})
	step(t, p, req(t, 1, TypeMD5Challenge), TypeMD5Challenge, []byte{1})
	if _, err := p.Handle(req(t, 2, TypeTLS)); !errors.Is(err, ErrUnexpected) {
		t.Errorf("switch: %v", err)
	}
}

func TestPeerRejection(t *testing.T) {
	p := NewPeer("alice", &countMethod{reject: true})
	step(t, p, req(t, 1, TypeMD5Challenge), TypeMD5Challenge, []byte{1})
	step(t, p, req(t, 2, TypeMD5Challenge), TypeMD5Challenge, []byte{2})
	if err := p.Err(); !errors.Is(err, ErrRejected) {
		t.Errorf("Err before Failure: %v", err)
	}
	if p.State() != Running {
		t.Errorf("state %v before Failure", p.State())
	}
	_, err := p.Handle(code(CodeFailure, 2))
	if !errors.Is(err, ErrRejected) || err.Error() != "eap: authentication rejected: test refusal" {
		t.Errorf("Failure: %v", err)
	}
	if _, again := p.Handle(code(CodeFailure, 2)); again != err {
		t.Errorf("later call: %v", again)
	}
}

func TestPeerFailureReasons(t *testing.T) {
	p := NewPeer("alice", &countMethod{})
	step(t, p, req(t, 1, TypeIdentity), TypeIdentity, []byte("alice"))
	if _, err := p.Handle(code(CodeFailure, 1)); !errors.Is(err, ErrRejected) {
		t.Errorf("Failure after Identity: %v", err)
	}
	p = NewPeer("alice", &countMethod{})
	step(t, p, req(t, 1, TypeMD5Challenge), TypeMD5Challenge, []byte{1})
	if _, err := p.Handle(code(CodeFailure, 1)); !errors.Is(err, ErrRejected) {
		t.Errorf("Failure during the method: %v", err)
	}
}

func TestPeerRetransmission(t *testing.T) {
	// RFC 3748 §4.1: a duplicate Request gets the same Response, and the
	// method does not see it twice.
	m := &countMethod{}
	p := NewPeer("alice", m)
	r := req(t, 7, TypeMD5Challenge, 3)
	step(t, p, r, TypeMD5Challenge, []byte{3, 1})
	step(t, p, r, TypeMD5Challenge, []byte{3, 1})
	if m.rounds != 1 {
		t.Errorf("method processed %d rounds", m.rounds)
	}
}

func TestPeerBadPackets(t *testing.T) {
	for name, pkt := range map[string][]byte{
		"malformed": {1, 2, 0},
		"response":  {2, 1, 0, 5, 1},
		"nak":       {1, 1, 0, 5, 3},
		"method":    {1, 1, 0, 6, 4, 9}, // the test method refuses a third round
	} {
		p := NewPeer("alice", &countMethod{rounds: 2})
		_, err := p.Handle(pkt)
		if err == nil || p.State() != Failed {
			t.Errorf("%s: %v, state %v", name, err, p.State())
		}
	}
}

func TestPeerBounded(t *testing.T) {
	p := NewPeer("alice")
	var err error
	for i := 0; i <= maxRequests && err == nil; i++ {
		_, err = p.Handle(req(t, uint8(i), TypeNotification, byte(i>>8)))
	}
	if !errors.Is(err, ErrUnexpected) {
		t.Errorf("after %d Requests: %v", maxRequests+1, err)
	}
}
