package core

import (
	"testing"

	"github.com/espressovpn/espresso/ipsec/ike/wire"
	"github.com/espressovpn/espresso/ipsec/suite"
)

func mustProposal(t *testing.T, s string, esp bool) suite.Proposal {
	t.Helper()
	p, err := suite.ParseProposal(s, esp)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// wireProposal is s as a peer sends it, with extra transforms appended
// (such as NONE in an IKE proposal, which ParseProposal drops).
func wireProposal(t *testing.T, s string, proto wire.ProtocolID, extra ...suite.Transform) wire.Proposal {
	t.Helper()
	p := mustProposal(t, s, proto == wire.ProtocolESP)
	p.Transforms = append(p.Transforms, extra...)
	return offerSA([]suite.Proposal{p}, proto, []byte{1, 2, 3, 4}, true, 0).Proposals[0]
}

// matchCase is one responder-side selection: our proposal against the
// peer's, sent in proto, with or without key exchanges.
type matchCase struct {
	name, ours, theirs string
	proto              wire.ProtocolID
	withKE             bool
	want               string // "" for no match
}

func runMatchCases(t *testing.T, cases []matchCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			esp := tc.proto == wire.ProtocolESP
			sel, ok := match(mustProposal(t, tc.ours, esp), wireProposal(t, tc.theirs, tc.proto), tc.withKE)
			switch {
			case tc.want == "" && ok:
				t.Fatalf("matched %v, want no match", sel)
			case tc.want != "" && !ok:
				t.Fatalf("no match, want %s", tc.want)
			case ok && sel.String() != tc.want:
				t.Fatalf("selected %v, want %s", sel, tc.want)
			}
		})
	}
}

// Responder side: NONE in a key exchange list is a choice like any other
// (RFC 7296 §3.3.3, §3.3.6). The expectations are those of strongSwan's
// proposal selection (libstrongswan proposal.c, select_algo): for ESP a
// side listing no method accepts a list holding NONE ("if NONE is
// proposed, we accept the proposal"), NONE chosen leaves no method in the
// selection, and the responder's order of preference decides; an IKE
// proposal always needs a method.
func TestMatchKeyExchangeNone(t *testing.T) {
	esp, ikeP := wire.ProtocolESP, wire.ProtocolIKE
	runMatchCases(t, []matchCase{
		{"peer offers NONE, we want no PFS", "aes128gcm16", "aes128gcm16-x25519-ecp256-modp2048-modpnone", esp, true, "aes128gcm16-noesn"},
		{"peer requires PFS, we want none", "aes128gcm16", "aes128gcm16-x25519", esp, true, ""},
		{"we allow NONE, peer offers no method", "aes128gcm16-x25519-modpnone", "aes128gcm16", esp, true, "aes128gcm16-noesn"},
		{"we require PFS, peer offers no method", "aes128gcm16-x25519", "aes128gcm16", esp, true, ""},
		{"our first method the peer has", "aes128gcm16-x25519-ecp256-modpnone", "aes128gcm16-ecp256-modpnone", esp, true, "aes128gcm16-ecp256-noesn"},
		{"our preference for NONE wins", "aes128gcm16-modpnone-x25519", "aes128gcm16-x25519-modpnone", esp, true, "aes128gcm16-noesn"},
		{"NONE on both sides only", "aes128gcm16-modpnone", "aes128gcm16-modpnone", esp, true, "aes128gcm16-noesn"},
		{"default against required PFS", "aes256gcm16-aes128gcm16-chacha20poly1305-x25519-ecp256-ecp384-modp3072-modp2048-modpnone-esn-noesn",
			"aes256gcm16-ecp384", esp, true, "aes256gcm16-ecp384-noesn"},
		{"no common method, no NONE", "aes128gcm16-x25519-modpnone", "aes128gcm16-ecp384", esp, true, ""},
		{"IKE_AUTH ignores methods", "aes128gcm16-x25519", "aes128gcm16-ecp384", esp, false, "aes128gcm16-noesn"},
		{"IKE needs a method", "aes128gcm16-prfsha256-x25519", "aes128gcm16-prfsha256-x25519", ikeP, true, "aes128gcm16-prfsha256-x25519"},
	})
	// NONE offered in an IKE proposal is never chosen: the IKE SA needs a
	// key exchange (strongSwan makes key exchange optional only for ESP
	// and AH).
	ours := mustProposal(t, "aes128gcm16-prfsha256-x25519", false)
	if sel, ok := match(ours, wireProposal(t, "aes128gcm16-prfsha256-ecp256", ikeP, keNone), true); ok {
		t.Fatalf("IKE proposal with NONE matched as %v", sel)
	}
}

// Initiator side: the answer to an offer whose key exchange list holds
// NONE may name no method (strongSwan leaves NONE out of the proposal it
// selects) or NONE itself; either means no PFS. Without NONE offered, an
// answer must name one of the methods offered, exactly once.
func TestAcceptedKeyExchangeNone(t *testing.T) {
	withNone := []suite.Proposal{mustProposal(t, "aes128gcm16-x25519-ecp384-modpnone", true)}
	withoutNone := []suite.Proposal{mustProposal(t, "aes128gcm16-x25519", true)}
	answer := func(ts ...suite.Transform) *wire.SecurityAssociation {
		p := wire.Proposal{Number: 1, Protocol: wire.ProtocolESP, SPI: []byte{5, 6, 7, 8}}
		for _, tr := range ts {
			p.Transforms = append(p.Transforms, wire.TransformFrom(tr))
		}
		return &wire.SecurityAssociation{Proposals: []wire.Proposal{p}}
	}
	gcm := suite.Transform{Type: suite.TypeEncr, ID: suite.EncrAESGCM16, KeyBits: 128}
	noESN := suite.Transform{Type: suite.TypeESN, ID: suite.ESNNo}
	x25519 := suite.Transform{Type: suite.TypeKE, ID: suite.GroupCurve25519}
	ecp384 := suite.Transform{Type: suite.TypeKE, ID: suite.GroupECP384}
	modp2048 := suite.Transform{Type: suite.TypeKE, ID: suite.GroupMODP2048}
	for _, tc := range []struct {
		name   string
		offer  []suite.Proposal
		answer *wire.SecurityAssociation
		wantKE suite.TransformID
		ok     bool
	}{
		{"NONE chosen, left out", withNone, answer(gcm, noESN), suite.KENone, true},
		{"NONE chosen, named", withNone, answer(gcm, keNone, noESN), suite.KENone, true},
		{"a method chosen", withNone, answer(gcm, ecp384, noESN), suite.GroupECP384, true},
		{"a method not offered", withNone, answer(gcm, modp2048, noESN), 0, false},
		{"two methods", withNone, answer(gcm, x25519, ecp384, noESN), 0, false},
		{"no method, NONE not offered", withoutNone, answer(gcm, noESN), 0, false},
		{"NONE named, not offered", withoutNone, answer(gcm, keNone, noESN), 0, false},
		{"the method offered", withoutNone, answer(gcm, x25519, noESN), suite.GroupCurve25519, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			offer := offerSA(tc.offer, wire.ProtocolESP, []byte{1, 2, 3, 4}, true, 0)
			c, ok := accepted(offer, tc.answer)
			if ok != tc.ok {
				t.Fatalf("accepted = %v (%v), want %v", ok, c.Proposal, tc.ok)
			}
			if ok && c.One(suite.TypeKE).ID != tc.wantKE {
				t.Fatalf("key exchange %v, want %v", c.One(suite.TypeKE), tc.wantKE)
			}
		})
	}
}

// RFC 9370 §2.2.1: each additional key exchange type is chosen like the
// first one; a side without the type (a peer without RFC 9370) matches
// only where the other side's list of that type holds NONE.
func TestMatchAdditionalKeyExchanges(t *testing.T) {
	ikeP, esp := wire.ProtocolIKE, wire.ProtocolESP
	runMatchCases(t, []matchCase{
		{"hybrid on both sides", "aes256gcm16-prfsha384-x25519-ke1_mlkem768", "aes256gcm16-prfsha384-x25519-ke1_mlkem768", ikeP, true, "aes256gcm16-prfsha384-x25519-ke1_mlkem768"},
		{"our preference among ADDKE1", "aes256gcm16-prfsha384-x25519-ke1_mlkem1024-ke1_mlkem768", "aes256gcm16-prfsha384-x25519-ke1_mlkem768-ke1_mlkem1024", ikeP, true, "aes256gcm16-prfsha384-x25519-ke1_mlkem1024"},
		{"peer without RFC 9370", "aes256gcm16-prfsha384-x25519-ke1_mlkem768", "aes256gcm16-prfsha384-x25519", ikeP, true, ""},
		{"optional ADDKE, peer without it", "aes256gcm16-prfsha384-x25519-ke1_mlkem768-ke1_none", "aes256gcm16-prfsha384-x25519", ikeP, true, "aes256gcm16-prfsha384-x25519"},
		{"peer's optional ADDKE, we have none", "aes256gcm16-prfsha384-x25519", "aes256gcm16-prfsha384-x25519-ke1_mlkem768-ke1_none", ikeP, true, "aes256gcm16-prfsha384-x25519"},
		{"peer requires ADDKE we lack", "aes256gcm16-prfsha384-x25519", "aes256gcm16-prfsha384-x25519-ke1_mlkem768", ikeP, true, ""},
		{"different methods", "aes256gcm16-prfsha384-x25519-ke1_mlkem768", "aes256gcm16-prfsha384-x25519-ke1_mlkem1024", ikeP, true, ""},
		{"two additional exchanges", "aes256gcm16-prfsha384-x25519-ke1_mlkem768-ke2_mlkem1024", "aes256gcm16-prfsha384-x25519-ke1_mlkem768-ke2_mlkem1024-ke2_none", ikeP, true, "aes256gcm16-prfsha384-x25519-ke1_mlkem768-ke2_mlkem1024"},
		{"NONE preferred", "aes256gcm16-prfsha384-x25519-ke1_none-ke1_mlkem768", "aes256gcm16-prfsha384-x25519-ke1_mlkem768-ke1_none", ikeP, true, "aes256gcm16-prfsha384-x25519"},
		{"ESP with PFS and ADDKE", "aes256gcm16-x25519-ke1_mlkem768", "aes256gcm16-x25519-ke1_mlkem768", esp, true, "aes256gcm16-x25519-ke1_mlkem768-noesn"},
		{"IKE_AUTH ignores ADDKE", "aes256gcm16-x25519-ke1_mlkem768", "aes256gcm16", esp, false, "aes256gcm16-noesn"},
	})
}

// The default offer: a gateway configured without RFC 9370, as strongSwan
// 5.9 is, gets a classical proposal; one configured with a hybrid gets it.
func TestDefaultOfferHybridOrClassical(t *testing.T) {
	offer := offerSA(suite.DefaultIKE(), wire.ProtocolIKE, nil, true, suite.GroupCurve25519)
	for _, tc := range []struct{ gateway, want string }{
		{"aes256gcm16-prfsha384-x25519", "aes256gcm16-prfsha384-x25519"},
		{"aes128-sha256-modp2048", "aes128-sha256-prfsha256-modp2048"},
		{"aes256gcm16-prfsha384-x25519-ke1_mlkem768", "aes256gcm16-prfsha384-x25519-ke1_mlkem768"},
		{"aes128gcm16-prfsha256-ecp384-ke1_mlkem1024", "aes128gcm16-prfsha256-ecp384-ke1_mlkem1024"},
	} {
		_, c, ok := Choose([]suite.Proposal{mustProposal(t, tc.gateway, false)}, offer.Proposals, wire.ProtocolIKE, true)
		if !ok || c.String() != tc.want {
			t.Errorf("gateway %s chose %v (%v), want %s", tc.gateway, c.Proposal, ok, tc.want)
		}
		if ok {
			if _, ok := accepted(offer, AnswerSA(1, wire.ProtocolIKE, nil, c)); !ok && len(c.AddKEs()) > 0 {
				t.Errorf("answer %v not accepted", c.Proposal)
			}
		}
	}
}

// Initiator side: an answer must name one transform of each additional
// key exchange type offered, unless the list offered holds NONE.
func TestAcceptedAdditionalKeyExchanges(t *testing.T) {
	answer := func(s string, extra ...suite.Transform) *wire.SecurityAssociation {
		p := mustProposal(t, s, false)
		p.Transforms = append(p.Transforms, extra...)
		a := offerSA([]suite.Proposal{p}, wire.ProtocolIKE, nil, true, 0)
		return a
	}
	required := []suite.Proposal{mustProposal(t, "aes256gcm16-prfsha384-x25519-ke1_mlkem768-ke1_mlkem1024", false)}
	optional := []suite.Proposal{mustProposal(t, "aes256gcm16-prfsha384-x25519-ke1_mlkem768-ke1_none", false)}
	for _, tc := range []struct {
		name   string
		offer  []suite.Proposal
		answer *wire.SecurityAssociation
		want   string
	}{
		{"hybrid chosen", required, answer("aes256gcm16-prfsha384-x25519-ke1_mlkem1024"), "x25519 + ML-KEM-1024"},
		{"ADDKE left out", required, answer("aes256gcm16-prfsha384-x25519"), ""},
		{"ADDKE not offered", required, answer("aes256gcm16-prfsha384-x25519-ke2_mlkem768"), ""},
		{"ADDKE twice", required, answer("aes256gcm16-prfsha384-x25519-ke1_mlkem768-ke1_mlkem1024"), ""},
		{"optional left out", optional, answer("aes256gcm16-prfsha384-x25519"), "x25519"},
		{"optional NONE named", optional, answer("aes256gcm16-prfsha384-x25519-ke1_none"), "x25519"},
		{"optional chosen", optional, answer("aes256gcm16-prfsha384-x25519-ke1_mlkem768"), "x25519 + ML-KEM-768"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, ok := accepted(offerSA(tc.offer, wire.ProtocolIKE, nil, true, 0), tc.answer)
			if ok != (tc.want != "") {
				t.Fatalf("accepted = %v (%v)", ok, c.Proposal)
			}
			if ok && c.KeyExchanges() != tc.want {
				t.Fatalf("key exchanges %q, want %q", c.KeyExchanges(), tc.want)
			}
		})
	}
}
