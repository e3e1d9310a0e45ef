package core

import (
	"bytes"
	"crypto/rand"
	"testing"

	"github.com/espressovpn/espresso/ipsec/ike/dh"
	"github.com/espressovpn/espresso/ipsec/ike/wire"
	"github.com/espressovpn/espresso/ipsec/suite"
)

// fixedRand reads as an endless run of one byte, so that the token a
// responder hands out is known to the seeds.
type fixedRand byte

func (r fixedRand) Read(b []byte) (int, error) {
	for i := range b {
		b[i] = byte(r)
	}
	return len(b), nil
}

// maxFuzzInner bounds the inner payloads a fuzz input seals: an IKE
// message fits in a datagram.
const maxFuzzInner = 1 << 16

// FuzzFollowupKERequest: any inner payloads in an authenticated
// IKE_FOLLOWUP_KE request, to a responder waiting for the peer's
// additional key exchanges, are answered (the key exchange done, or
// refused with the rekey ended), never a panic.
func FuzzFollowupKERequest(f *testing.F) {
	k, err := dh.Generate(suite.KEMLKEM768, rand.Reader)
	if err != nil {
		f.Fatal(err)
	}
	token := bytes.Repeat([]byte{0x42}, followupTokenLen)
	ke := &wire.KeyExchange{Group: suite.KEMLKEM768, Data: k.PublicKey()}
	good, _ := wire.AppendPayloads(nil, wire.Payloads{ke, wire.NewNotify(wire.AdditionalKeyExchange, token)})
	f.Add(uint8(wire.PayloadKE), good)
	notifyFirst, _ := wire.AppendPayloads(nil, wire.Payloads{wire.NewNotify(wire.AdditionalKeyExchange, token), ke})
	f.Add(uint8(wire.PayloadNotify), notifyFirst)
	f.Add(uint8(wire.PayloadKE), good[:40])
	twoKE, _ := wire.AppendPayloads(nil, wire.Payloads{ke, ke, wire.NewNotify(wire.AdditionalKeyExchange, token)})
	f.Add(uint8(wire.PayloadKE), twoKE)
	f.Fuzz(func(t *testing.T, first uint8, inner []byte) {
		if len(inner) > maxFuzzInner {
			return
		}
		sa, mirror := hybridSA(t, false), hybridSA(t, true)
		d, _ := detachedWithSA(t, sa)
		sa.Established, sa.addKE = true, nil
		d.Rand = fixedRand(0x42)
		made, aborted := false, false
		if _, err := d.rekey.awaitFollowups(sa, []suite.TransformID{suite.KEMLKEM768},
			func([][]byte) { made = true }, func(string) { aborted = true }); err != nil {
			t.Fatal(err)
		}
		h := mirror.Header(wire.IKEFollowupKE, 1, false)
		b, err := mirror.keys.sealOne(h, &wire.Encrypted{FirstPayload: wire.PayloadType(first)}, inner)
		if err != nil {
			return
		}
		d.Receive(Datagram{B: b, From: peerAddr})
		if d.ended {
			return
		}
		if made && aborted {
			t.Fatal("rekey both made and aborted")
		}
		if (made || aborted) && (sa.followup != nil || sa.LastResp == nil) {
			t.Fatalf("rekey ended (made %v) but still waiting %v or unanswered", made, sa.followup != nil)
		}
	})
}

// FuzzFollowupKEResponse: any inner payloads in an authenticated response
// to our IKE_FOLLOWUP_KE request either complete the key exchange, end the
// rekey as failed, or leave it waiting for a valid response, never a
// panic.
func FuzzFollowupKEResponse(f *testing.F) {
	ct := bytes.Repeat([]byte{0x17}, dh.ResponseLen(suite.KEMLKEM768))
	token := bytes.Repeat([]byte{0x42}, followupTokenLen)
	ke := &wire.KeyExchange{Group: suite.KEMLKEM768, Data: ct}
	last, _ := wire.AppendPayloads(nil, wire.Payloads{ke})
	f.Add(uint8(wire.PayloadKE), last)
	more, _ := wire.AppendPayloads(nil, wire.Payloads{ke, wire.NewNotify(wire.AdditionalKeyExchange, token)})
	f.Add(uint8(wire.PayloadKE), more)
	refused, _ := wire.AppendPayloads(nil, wire.Payloads{wire.NewNotify(wire.InvalidSyntax, nil)})
	f.Add(uint8(wire.PayloadNotify), refused)
	f.Add(uint8(wire.PayloadKE), last[:40])
	f.Fuzz(func(t *testing.T, first uint8, inner []byte) {
		if len(inner) > maxFuzzInner {
			return
		}
		sa, mirror := hybridSA(t, true), hybridSA(t, false)
		d, _ := detachedWithSA(t, sa)
		sa.Established, sa.addKE = true, nil
		done, failed := 0, 0
		methods := []suite.TransformID{suite.KEMLKEM768, suite.KEMLKEM768}
		id := sa.sendID
		d.rekey.runFollowups(sa, methods, wire.Payloads{wire.NewNotify(wire.AdditionalKeyExchange, token)}, nil,
			func(add [][]byte) { done++ }, func(string) { failed++ })
		if d.ended {
			t.Fatal("the first IKE_FOLLOWUP_KE request was not sent")
		}
		h := mirror.Header(wire.IKEFollowupKE, id, true)
		b, err := mirror.keys.sealOne(h, &wire.Encrypted{FirstPayload: wire.PayloadType(first)}, inner)
		if err != nil {
			return
		}
		d.Receive(Datagram{B: b, From: peerAddr})
		if done+failed > 1 || done > 0 {
			// Two methods: the first response can at most start the
			// second exchange, never complete the rekey.
			t.Fatalf("done %d, failed %d after the first of two exchanges", done, failed)
		}
	})
}
