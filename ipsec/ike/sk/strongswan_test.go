package sk

import (
	"bytes"
	"errors"
	"slices"
	"testing"

	"github.com/espressovpn/espresso/ipsec/suite"
)

var gcm128 = suite.Transform{Type: suite.TypeEncr, ID: suite.EncrAESGCM16, KeyBits: 128}

// Payload type numbers of RFC 7296 §3.2.
const (
	ptSA      = 33
	ptKE      = 34
	ptIDi     = 35
	ptIDr     = 36
	ptCERT    = 37
	ptCERTREQ = 38
	ptAUTH    = 39
	ptNonce   = 40
	ptN       = 41
	ptD       = 42
	ptTSi     = 44
	ptTSr     = 45
	ptCP      = 47
)

func mustNew(t testing.TB, encr, integ suite.Transform, ek, ik []byte) *Cipher {
	t.Helper()
	c, err := New(encr, integ, ek, ik, nil)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func types(ps []innerPayload) []byte {
	var ts []byte
	for _, p := range ps {
		ts = append(ts, p.typ)
	}
	return ts
}

// Every encrypted message of the PSK capture opens with the keys strongSwan
// logged, and holds the payloads its log lists for that message.
func TestOpenStrongSwanPSK(t *testing.T) {
	kat := loadKAT(t, "keys.txt")
	ei := mustNew(t, gcm128, suite.Transform{}, kat["psk_sk_ei"], nil)
	er := mustNew(t, gcm128, suite.Transform{}, kat["psk_sk_er"], nil)
	nei := mustNew(t, gcm128, suite.Transform{}, kat["psk_rekeyed_sk_ei"], nil)
	ner := mustNew(t, gcm128, suite.Transform{}, kat["psk_rekeyed_sk_er"], nil)
	want := []struct {
		in, out *Cipher
		types   []byte
	}{
		2:  {ei, er, []byte{ptIDi, ptN, ptCERTREQ, ptIDr, ptAUTH, ptCP, ptSA, ptTSi, ptTSr, ptN, ptN, ptN, ptN, ptN}},
		3:  {ei, er, []byte{ptIDr, ptAUTH, ptCP, ptSA, ptTSi, ptTSr, ptN, ptN}},
		4:  {ei, er, []byte{ptN, ptSA, ptNonce, ptKE, ptTSi, ptTSr}},
		5:  {ei, er, []byte{ptSA, ptNonce, ptKE, ptTSi, ptTSr}},
		6:  {ei, er, []byte{ptD}},
		7:  {ei, er, []byte{ptD}},
		8:  {ei, er, []byte{ptSA, ptNonce, ptKE}},
		9:  {ei, er, []byte{ptSA, ptNonce, ptKE}},
		10: {ei, er, []byte{ptD}},
		11: {ei, er, nil},
		12: {nei, ner, []byte{ptD}},
		13: {nei, ner, nil},
	}
	msgs := ikeMessages(t, "psk.pcap")
	if len(msgs) != len(want) {
		t.Fatalf("%d IKE messages in the capture, want %d", len(msgs), len(want))
	}
	got := map[int][]innerPayload{}
	for i := 2; i < len(msgs); i++ {
		s := findSealed(t, msgs[i])
		c := want[i].in
		if msgs[i][19]&0x20 != 0 { // Response flag, RFC 7296 §3.1
			c = want[i].out
		}
		pt, err := c.Open(s.head, s.body)
		if err != nil {
			t.Fatalf("message %d: %v", i, err)
		}
		ps := innerPayloads(t, s.first, pt)
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
	check("IDi", got[2][0].body, kat["psk_idi"])
	// AUTH payload body: method (1 octet), 3 reserved, then the value.
	check("initiator AUTH", got[2][4].body[4:], kat["psk_auth_i"])
	check("responder AUTH", got[3][1].body[4:], kat["psk_auth_r"])
	check("Child rekey Ni", got[4][2].body, kat["psk_rekey_child_ni"])
	check("Child rekey Nr", got[5][1].body, kat["psk_rekey_child_nr"])
}

// Both IKE_AUTH messages of the certificate capture come in two Encrypted
// Fragment payloads (RFC 7383); each opens on its own and the pieces join to
// the message strongSwan logged.
func TestOpenStrongSwanFragments(t *testing.T) {
	kat := loadKAT(t, "keys.txt")
	ei := mustNew(t, gcm128, suite.Transform{}, kat["cert_sk_ei"], nil)
	er := mustNew(t, gcm128, suite.Transform{}, kat["cert_sk_er"], nil)
	msgs := ikeMessages(t, "cert.pcap")
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
		{"request", ei, msgs[2:4], []byte{ptIDi, ptCERT, ptN, ptCERTREQ, ptIDr, ptAUTH, ptCP, ptSA, ptTSi, ptTSr, ptN, ptN, ptN, ptN, ptN}, 1813},
		{"response", er, msgs[4:6], []byte{ptIDr, ptCERT, ptAUTH, ptCP, ptSA, ptTSi, ptTSr, ptN, ptN}, 1743},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var whole []byte
			var first byte
			for i, m := range tc.frags {
				s := findSealed(t, m)
				if s.frag != uint16(i+1) || s.total != 2 {
					t.Fatalf("fragment %d/%d, want %d/2", s.frag, s.total, i+1)
				}
				pt, err := tc.c.Open(s.head, s.body)
				if err != nil {
					t.Fatalf("fragment %d: %v", i+1, err)
				}
				// RFC 7383 §2.5: only the first fragment names the first
				// inner payload; the others carry zero.
				if i == 0 {
					first = s.first
				} else if s.first != 0 {
					t.Fatalf("fragment %d names payload %d", i+1, s.first)
				}
				whole = append(whole, pt...)
			}
			ps := innerPayloads(t, first, whole)
			if !slices.Equal(types(ps), tc.types) {
				t.Fatalf("payloads %v, want %v", types(ps), tc.types)
			}
			// strongSwan counts the unfragmented message: IKE header, SK
			// header and a body for this plaintext.
			if n := 28 + 4 + tc.c.BodyLen(len(whole)); n != tc.totalLen {
				t.Fatalf("unfragmented length %d, strongSwan logged %d", n, tc.totalLen)
			}
			if tc.name == "request" && !bytes.Equal(ps[0].body, kat["cert_idi"]) {
				t.Fatal("IDi mismatch")
			}
		})
	}
}

// A message opened with the other direction's key fails the integrity check.
func TestOpenStrongSwanWrongKey(t *testing.T) {
	kat := loadKAT(t, "keys.txt")
	er := mustNew(t, gcm128, suite.Transform{}, kat["psk_sk_er"], nil)
	s := findSealed(t, ikeMessages(t, "psk.pcap")[2])
	if _, err := er.Open(s.head, s.body); !errors.Is(err, ErrIntegrity) {
		t.Fatalf("err = %v, want ErrIntegrity", err)
	}
}
