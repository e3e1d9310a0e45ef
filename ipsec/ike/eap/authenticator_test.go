package eap

import (
	"errors"
	"testing"
)

// echoAuthenticator accepts the peer when it echoes the Request's data with
// one octet appended, as countMethod does.
type echoAuthenticator struct{ sent []byte }

func (a *echoAuthenticator) Type() Type { return TypeMD5Challenge }

func (a *echoAuthenticator) Start() ([]byte, error) {
	a.sent = []byte{0x42}
	return a.sent, nil
}

func (a *echoAuthenticator) Process(data []byte) ([]byte, Outcome, error) {
	if len(data) != len(a.sent)+1 || data[0] != a.sent[0] {
		return nil, Reject, nil
	}
	if len(a.sent) == 1 {
		a.sent = []byte{0x43, 0}
		return a.sent, Continue, nil
	}
	return nil, Accept, nil
}

func (a *echoAuthenticator) MSK() ([]byte, error) { return nil, ErrNoMSK }

func TestAuthenticatorConversation(t *testing.T) {
	auth := NewAuthenticator(&echoAuthenticator{}, 250)
	peer := NewPeer("carol", &countMethod{noMSK: true})
	pkt, err := auth.Start()
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 5 && auth.State() == Running; i++ {
		resp, err := peer.Handle(pkt)
		if err != nil {
			t.Fatal(err)
		}
		if pkt, err = auth.Handle(resp); err != nil {
			t.Fatal(err)
		}
	}
	// The identifiers wrapped from 255 to 0 on the way.
	if auth.State() != Succeeded || pkt[0] != byte(CodeSuccess) || pkt[1] != 252 {
		t.Fatalf("state %v, last packet %x", auth.State(), pkt)
	}
	if _, err := peer.Handle(pkt); err != nil || peer.State() != Succeeded {
		t.Fatalf("peer: %v %v", err, peer.State())
	}
	if auth.Identity() != "carol" {
		t.Errorf("identity %q", auth.Identity())
	}
	if _, err := auth.MSK(); !errors.Is(err, ErrNoMSK) {
		t.Errorf("MSK: %v", err)
	}
	if _, err := auth.Handle(pkt); !errors.Is(err, ErrUnexpected) {
		t.Errorf("after the end: %v", err)
	}
}

func TestAuthenticatorNak(t *testing.T) {
	auth := NewAuthenticator(&echoAuthenticator{}, 1)
	peer := NewPeer("carol") // no methods: it will Nak
	pkt, _ := auth.Start()
	resp, _ := peer.Handle(pkt)
	pkt, _ = auth.Handle(resp)
	resp, err := peer.Handle(pkt)
	if err != nil || resp[4] != byte(TypeNak) {
		t.Fatalf("Nak %x %v", resp, err)
	}
	pkt, err = auth.Handle(resp)
	if err != nil || auth.State() != Failed || pkt[0] != byte(CodeFailure) {
		t.Fatalf("after Nak: %x %v %v", pkt, err, auth.State())
	}
	if _, err := peer.Handle(pkt); !errors.Is(err, ErrMethodNotSupported) {
		t.Errorf("peer: %v", err)
	}
	if _, err := auth.MSK(); !errors.Is(err, ErrUnexpected) {
		t.Errorf("MSK after Failure: %v", err)
	}
}

func TestAuthenticatorRejectsStrangers(t *testing.T) {
	auth := NewAuthenticator(&echoAuthenticator{}, 1)
	if _, err := auth.Start(); err != nil {
		t.Fatal(err)
	}
	for name, b := range map[string][]byte{
		"wrong id": {2, 9, 0, 6, 1, 'x'},
		"request":  {1, 1, 0, 5, 1},
		"method":   {2, 1, 0, 5, 4},
		"short":    {2},
	} {
		if _, err := auth.Handle(b); err == nil {
			t.Errorf("%s accepted", name)
		}
	}
}
