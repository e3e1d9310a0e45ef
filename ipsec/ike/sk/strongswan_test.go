package sk

import (
	"bytes"
	"errors"
	"slices"
	"testing"

	"github.com/espressovpn/espresso/ipsec/ike/internal/kat"
	"github.com/espressovpn/espresso/ipsec/suite"
)

var gcm128 = suite.Transform{Type: suite.TypeEncr, ID: suite.EncrAESGCM16, KeyBits: 128}

func mustNew(t testing.TB, encr, integ suite.Transform, ek, ik []byte) *Cipher {
	t.Helper()
	c, err := New(encr, integ, ek, ik, nil)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func types(ps []kat.Payload) []byte {
	var ts []byte
	for _, p := range ps {
		ts = append(ts, p.Type)
	}
	return ts
}

// Every encrypted message of the PSK capture opens with the keys strongSwan
// logged, and holds the payloads its log lists for that message.
func TestOpenStrongSwanPSK(t *testing.T) {
	psk := kat.Values(t, "psk")
	ei := mustNew(t, gcm128, suite.Transform{}, psk["sk_ei"], nil)
	er := mustNew(t, gcm128, suite.Transform{}, psk["sk_er"], nil)
	nei := mustNew(t, gcm128, suite.Transform{}, psk["rekey_ike_sk_ei"], nil)
	ner := mustNew(t, gcm128, suite.Transform{}, psk["rekey_ike_sk_er"], nil)
	want := []struct {
		in, out *Cipher
		types   []byte
	}{
		2:  {ei, er, []byte{kat.IDi, kat.N, kat.CERTREQ, kat.IDr, kat.AUTH, kat.CP, kat.SA, kat.TSi, kat.TSr, kat.N, kat.N, kat.N, kat.N, kat.N}},
		3:  {ei, er, []byte{kat.IDr, kat.AUTH, kat.CP, kat.SA, kat.TSi, kat.TSr, kat.N, kat.N}},
		4:  {ei, er, []byte{kat.N, kat.SA, kat.Nonce, kat.KE, kat.TSi, kat.TSr}},
		5:  {ei, er, []byte{kat.SA, kat.Nonce, kat.KE, kat.TSi, kat.TSr}},
		6:  {ei, er, []byte{kat.D}},
		7:  {ei, er, []byte{kat.D}},
		8:  {ei, er, []byte{kat.SA, kat.Nonce, kat.KE}},
		9:  {ei, er, []byte{kat.SA, kat.Nonce, kat.KE}},
		10: {ei, er, []byte{kat.D}},
		11: {ei, er, nil},
		12: {nei, ner, []byte{kat.D}},
		13: {nei, ner, nil},
	}
	msgs := kat.IKEMessages(t, "psk")
	if len(msgs) != len(want) {
		t.Fatalf("%d IKE messages in the capture, want %d", len(msgs), len(want))
	}
	got := map[int][]kat.Payload{}
	for i := 2; i < len(msgs); i++ {
		s := kat.FindSealed(t, msgs[i])
		c := want[i].in
		if msgs[i][19]&0x20 != 0 { // Response flag, RFC 7296 §3.1
			c = want[i].out
		}
		pt, err := c.Open(s.Head, s.Body)
		if err != nil {
			t.Fatalf("message %d: %v", i, err)
		}
		ps := kat.Payloads(t, s.First, pt)
		if !slices.Equal(types(ps), want[i].types) {
			t.Fatalf("message %d: payloads %v, want %v", i, types(ps), want[i].types)
		}
		got[i] = ps
	}
	check := func(name string, got, want []byte) {
		t.Helper()
		if !bytes.Equal(got, want) {
			t.Errorf("%s mismatch", name)
		}
	}
	check("IDi", got[2][0].Body, psk["idi"])
	// AUTH payload body: method (1 octet), 3 reserved, then the value.
	check("initiator AUTH", got[2][4].Body[4:], psk["auth_i"])
	check("responder AUTH", got[3][1].Body[4:], psk["auth_r"])
	check("Child rekey Ni", got[4][2].Body, psk["rekey_child_ni"])
	check("Child rekey Nr", got[5][1].Body, psk["rekey_child_nr"])
}

// Both IKE_AUTH messages of the certificate capture come in two Encrypted
// Fragment payloads (RFC 7383); each opens on its own and the pieces join to
// the message strongSwan logged.
func TestOpenStrongSwanFragments(t *testing.T) {
	cert := kat.Values(t, "cert")
	ei := mustNew(t, gcm128, suite.Transform{}, cert["sk_ei"], nil)
	er := mustNew(t, gcm128, suite.Transform{}, cert["sk_er"], nil)
	msgs := kat.IKEMessages(t, "cert")
	if len(msgs) != 8 {
		t.Fatalf("%d IKE messages in the capture, want 8", len(msgs))
	}
	for _, tc := range []struct {
		name     string
		c        *Cipher
		frags    [][]byte
		types    []byte
		totalLen int // the size strongSwan logged for the whole message
	}{
		{"request", ei, msgs[2:4], []byte{kat.IDi, kat.CERT, kat.N, kat.CERTREQ, kat.IDr, kat.AUTH, kat.CP, kat.SA, kat.TSi, kat.TSr, kat.N, kat.N, kat.N, kat.N, kat.N}, 1813},
		{"response", er, msgs[4:6], []byte{kat.IDr, kat.CERT, kat.AUTH, kat.CP, kat.SA, kat.TSi, kat.TSr, kat.N, kat.N}, 1743},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var whole []byte
			var first byte
			for i, m := range tc.frags {
				s := kat.FindSealed(t, m)
				if s.Frag != uint16(i+1) || s.Total != 2 {
					t.Fatalf("fragment %d/%d, want %d/2", s.Frag, s.Total, i+1)
				}
				pt, err := tc.c.Open(s.Head, s.Body)
				if err != nil {
					t.Fatalf("fragment %d: %v", i+1, err)
				}
				// RFC 7383 §2.5: only the first fragment names the first
				// inner payload; the others carry zero.
				if i == 0 {
					first = s.First
				} else if s.First != 0 {
					t.Fatalf("fragment %d names payload %d", i+1, s.First)
				}
				whole = append(whole, pt...)
			}
			ps := kat.Payloads(t, first, whole)
			if !slices.Equal(types(ps), tc.types) {
				t.Fatalf("payloads %v, want %v", types(ps), tc.types)
			}
			// strongSwan counts the unfragmented message: IKE header, SK
			// header and a body for this plaintext.
			if n := 28 + 4 + tc.c.BodyLen(len(whole)); n != tc.totalLen {
				t.Fatalf("unfragmented length %d, strongSwan logged %d", n, tc.totalLen)
			}
			if tc.name == "request" && !bytes.Equal(ps[0].Body, cert["idi"]) {
				t.Fatal("IDi mismatch")
			}
		})
	}
}

// A message opened with the other direction's key fails the integrity check.
func TestOpenStrongSwanWrongKey(t *testing.T) {
	psk := kat.Values(t, "psk")
	er := mustNew(t, gcm128, suite.Transform{}, psk["sk_er"], nil)
	s := kat.FindSealed(t, kat.IKEMessages(t, "psk")[2])
	if _, err := er.Open(s.Head, s.Body); !errors.Is(err, ErrIntegrity) {
		t.Fatalf("err = %v, want ErrIntegrity", err)
	}
}
