package mschapv2

import (
	"bytes"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"strings"
	"testing"

	"github.com/espressovpn/espresso/ipsec/ike/eap"
	"github.com/espressovpn/espresso/ipsec/ike/internal/kat"
)

// strongSwanChallenge is the Type-Data of the Challenge strongSwan's plugin
// sends: MS-CHAPv2-ID equal to the EAP identifier, Value-Size 16, and the
// name "strongSwan".
func strongSwanChallenge(t testing.TB, id uint8) []byte {
	return appendMessage(nil, opChallenge, id, []byte{16}, kat.Hex(t, rfcAuthChal), []byte("strongSwan"))
}

func TestPeerAgainstRFCExample(t *testing.T) {
	p := NewPeer(rfcUser, rfcPassword, bytes.NewReader(kat.Hex(t, rfcPeerChal)))
	resp, err := p.Process(strongSwanChallenge(t, 0x2a))
	if err != nil {
		t.Fatal(err)
	}
	// OpCode 2, the Challenge's MS-CHAPv2-ID, MS-Length, Value-Size 49,
	// Peer-Challenge, 8 zeros, NT-Response, Flags 0, Name.
	want := append([]byte{opResponse, 0x2a, 0, byte(4 + 1 + 49 + len(rfcUser)), 49}, kat.Hex(t, rfcPeerChal)...)
	want = append(want, make([]byte, 8)...)
	want = append(want, kat.Hex(t, "82309ECD8D708B5EA08FAA3981CD83544233114A3D85D6DF")...)
	want = append(want, 0)
	want = append(want, rfcUser...)
	if !bytes.Equal(resp, want) {
		t.Fatalf("Response\n got %x\nwant %x", resp, want)
	}
	if p.Complete() {
		t.Fatal("complete before the authenticator proved itself")
	}
	if _, err := p.MSK(); err == nil {
		t.Error("MSK before completion")
	}
	succ := appendMessage(nil, opSuccess, 0x2a, []byte("S=407A5589115FD0D6209F510FE9C04566932CDA56 M=Welcome2strongSwan"))
	resp, err = p.Process(succ)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(resp, []byte{opSuccess}) || !p.Complete() {
		t.Fatalf("Success Response %x, complete %v", resp, p.Complete())
	}
	m, err := p.MSK()
	if err != nil || len(m) != MSKLen || !bytes.Equal(m[16:32], kat.Hex(t, "8B7CDC149B993A1BA118CB153F56DCCB")) {
		t.Errorf("MSK: %d bytes, %v", len(m), err)
	}
	p.Wipe()
	if _, err := p.MSK(); err == nil {
		t.Error("MSK after Wipe")
	}
}

func TestPeerForgedSuccess(t *testing.T) {
	// A gateway that does not know the password cannot produce S= (RFC 2759
	// §8.8); the peer must stop there.
	p := NewPeer(rfcUser, rfcPassword, bytes.NewReader(kat.Hex(t, rfcPeerChal)))
	if _, err := p.Process(strongSwanChallenge(t, 1)); err != nil {
		t.Fatal(err)
	}
	_, err := p.Process(appendMessage(nil, opSuccess, 1, []byte("S=0000000000000000000000000000000000000000 M=hi")))
	if !errors.Is(err, eap.ErrAuthenticatorUnproven) || p.Complete() {
		t.Fatalf("forged authenticator response: %v", err)
	}
}

func TestPeerFailureRequest(t *testing.T) {
	// strongSwan's retry Failure: "E=691 R=1 C=<challenge>", then (ours)
	// V= and M=.
	p := NewPeer("alice", "wrong", nil)
	if _, err := p.Process(strongSwanChallenge(t, 5)); err != nil {
		t.Fatal(err)
	}
	resp, err := p.Process(appendMessage(nil, opFailure, 5, []byte("E=691 R=1 C=00112233445566778899AABBCCDDEEFF V=3 M=bad\x07 password")))
	var fe *FailureError
	if !errors.As(err, &fe) || !errors.Is(err, eap.ErrRejected) {
		t.Fatalf("Failure: %v", err)
	}
	if fe.Code != ErrorAuthenticationFailed || !fe.Retriable || fe.Message != "bad? password" {
		t.Errorf("parsed %+v", fe)
	}
	if !bytes.Equal(resp, []byte{opFailure}) {
		t.Errorf("Failure Response %x", resp)
	}
	if _, err := p.Process(strongSwanChallenge(t, 6)); !errors.Is(err, eap.ErrUnexpected) {
		t.Errorf("Challenge after Failure: %v", err)
	}
}

func TestParseFailure(t *testing.T) {
	for text, want := range map[string]FailureError{
		"E=648 R=0 V=3":                {Code: 648},
		"E=647 R=0 V=3 M=Account off ": {Code: 647, Message: "Account off "},
		"":                             {Code: 691},
		"E=x R=1":                      {Code: 691, Retriable: true},
		"M=E=646 only a message":       {Code: 691, Message: "E=646 only a message"},
	} {
		if got := parseFailure([]byte(text)); *got != want {
			t.Errorf("%q: %+v, want %+v", text, *got, want)
		}
	}
	e := &FailureError{Code: ErrorPasswordExpired, Message: "change it"}
	if e.Error() != `eap: authentication rejected: MSCHAPv2 error 648 (password expired): "change it"` {
		t.Errorf("message %q", e.Error())
	}
}

func TestPeerMalformed(t *testing.T) {
	for name, data := range map[string][]byte{
		"short":           {1, 2},
		"ms-length":       {1, 1, 0, 9, 16},
		"value size":      appendMessage(nil, opChallenge, 1, []byte{8}, make([]byte, 16)),
		"short challenge": appendMessage(nil, opChallenge, 1, []byte{16}, make([]byte, 15)),
	} {
		if _, err := NewPeer("a", "b", nil).Process(data); !errors.Is(err, eap.ErrMalformed) {
			t.Errorf("%s: %v", name, err)
		}
	}
	if _, err := NewPeer("a", "b", nil).Process(appendMessage(nil, opSuccess, 1, []byte("S=00"))); !errors.Is(err, eap.ErrUnexpected) {
		t.Errorf("Success before Challenge: %v", err)
	}
}

// converse runs a whole EAP conversation between an eap.Peer and an
// eap.Authenticator and returns the peer's final error.
func converse(t *testing.T, peer *eap.Peer, auth *eap.Authenticator) error {
	t.Helper()
	pkt, err := auth.Start()
	if err != nil {
		t.Fatal(err)
	}
	for range 10 {
		resp, err := peer.Handle(pkt)
		if err != nil || resp == nil {
			return err
		}
		if pkt, err = auth.Handle(resp); err != nil {
			t.Fatalf("authenticator: %v", err)
		}
	}
	t.Fatal("conversation did not end")
	return nil
}

func users(user string) (string, bool) {
	if user == `EXAMPLE\alice` {
		return "correct horse", true
	}
	return "", false
}

func TestConversation(t *testing.T) {
	auth := eap.NewAuthenticator(NewAuthenticator("gw", 7, users, nil), 1)
	peer := eap.NewPeer(`EXAMPLE\alice`, NewPeer(`EXAMPLE\alice`, "correct horse", nil))
	if err := converse(t, peer, auth); err != nil {
		t.Fatal(err)
	}
	if peer.State() != eap.Succeeded || auth.State() != eap.Succeeded || auth.Identity() != `EXAMPLE\alice` {
		t.Fatalf("states %v %v", peer.State(), auth.State())
	}
	pm, err1 := peer.MSK()
	am, err2 := auth.MSK()
	if err1 != nil || err2 != nil || !bytes.Equal(pm, am) || len(pm) != MSKLen {
		t.Errorf("MSK mismatch (%v, %v)", err1, err2)
	}
}

func TestConversationWrongPassword(t *testing.T) {
	for name, peerUser := range map[string]string{"password": `EXAMPLE\alice`, "user": "mallory"} {
		a := NewAuthenticator("gw", 7, users, nil)
		auth := eap.NewAuthenticator(a, 1)
		peer := eap.NewPeer(peerUser, NewPeer(peerUser, "tr0ub4dor", nil))
		err := converse(t, peer, auth)
		var fe *FailureError
		if !errors.As(err, &fe) || fe.Code != ErrorAuthenticationFailed || !errors.Is(err, eap.ErrRejected) {
			t.Errorf("%s: %v", name, err)
		}
		if auth.State() != eap.Failed || peer.State() != eap.Failed {
			t.Errorf("%s: states %v %v", name, peer.State(), auth.State())
		}
		if _, err := a.MSK(); err == nil {
			t.Errorf("%s: authenticator MSK after a failure", name)
		}
	}
}

func TestAuthenticatorRejectsOutOfOrder(t *testing.T) {
	a := NewAuthenticator("gw", 7, users, nil)
	c, err := a.Start()
	if err != nil {
		t.Fatal(err)
	}
	if binary.BigEndian.Uint16(c[2:4]) != uint16(len(c)) || c[1] != 7 || string(c[21:]) != "gw" {
		t.Errorf("Challenge %x", c)
	}
	for name, data := range map[string][]byte{
		"success first": {opSuccess},
		"wrong id":      appendMessage(nil, opResponse, 8, (&response{name: "x"}).append(nil)),
		"short":         appendMessage(nil, opResponse, 7, []byte{49}),
	} {
		if _, o, err := a.Process(data); err == nil || o != eap.Reject {
			t.Errorf("%s: %v %v", name, o, err)
		}
	}
}

// FuzzPeer: any Request data never panics the peer, and nothing but the
// real authenticator response of the RFC 2759 example completes it.
func FuzzPeer(f *testing.F) {
	f.Add(appendMessage(nil, opSuccess, 1, []byte("S=407A5589115FD0D6209F510FE9C04566932CDA56 M=x")))
	f.Add(appendMessage(nil, opFailure, 1, []byte("E=691 R=1 C=00 V=3 M=no")))
	f.Add([]byte{opSuccess})
	want := kat.Hex(f, "407A5589115FD0D6209F510FE9C04566932CDA56")
	f.Fuzz(func(t *testing.T, data []byte) {
		p := NewPeer(rfcUser, rfcPassword, bytes.NewReader(kat.Hex(t, rfcPeerChal)))
		if _, err := p.Process(strongSwanChallenge(t, 1)); err != nil {
			t.Fatal(err)
		}
		_, err := p.Process(data)
		if p.Complete() {
			tok, _, _ := bytes.Cut(data[headerLen:], []byte(" "))
			got, herr := hex.DecodeString(strings.TrimPrefix(string(tok), "S="))
			if err != nil || herr != nil || !bytes.Equal(got, want) {
				t.Fatalf("completed by %q", data)
			}
		}
		// Arbitrary data as the first Request never panics either.
		_, _ = NewPeer("u", "p", nil).Process(data)
	})
}
