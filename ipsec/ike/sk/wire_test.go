package sk

import (
	"bytes"
	"testing"

	"github.com/espressovpn/espresso/ipsec/ike/wire"
)

// The flow of the message layer: encode the message with a placeholder SK
// payload, seal in place, then at the receiver locate the parts with
// wire.SplitSealed, open, and parse the inner payloads.
func TestSealInPlaceWithWireMessage(t *testing.T) {
	for _, s := range allSuites {
		t.Run(s.name, func(t *testing.T) {
			seal, open := newPair(t, s, 7)
			inner := wire.Payloads{&wire.Nonce{Data: bytes.Repeat([]byte{0xAB}, 32)}}
			pt, err := wire.AppendPayloads(nil, inner)
			if err != nil {
				t.Fatal(err)
			}
			m := wire.Message{
				Header: wire.Header{SPIi: 1, SPIr: 2, MajorVersion: 2, ExchangeType: wire.CreateChildSA, Flags: wire.FlagInitiator, MessageID: 7},
				Payloads: wire.Payloads{&wire.Encrypted{
					FirstPayload: inner[0].Type(),
					Data:         make([]byte, seal.BodyLen(len(pt))),
				}},
			}
			msg, err := m.AppendTo(nil)
			if err != nil {
				t.Fatal(err)
			}
			sealed, err := seal.Seal(msg[:len(msg)-seal.BodyLen(len(pt))], pt)
			if err != nil {
				t.Fatal(err)
			}
			if &sealed[0] != &msg[0] || len(sealed) != len(msg) {
				t.Fatal("Seal did not fill the placeholder in place")
			}

			parts, err := wire.SplitSealed(msg, open.IVLen(), open.ICVLen())
			if err != nil {
				t.Fatal(err)
			}
			got, err := open.Open(parts.AAD, msg[len(parts.AAD):])
			if err != nil {
				t.Fatal(err)
			}
			ps, err := wire.ParsePayloads(parts.Payload.(*wire.Encrypted).FirstPayload, got)
			if err != nil {
				t.Fatal(err)
			}
			n, ok := wire.First[*wire.Nonce](ps)
			if !ok || !bytes.Equal(n.Data, bytes.Repeat([]byte{0xAB}, 32)) {
				t.Fatal("inner payloads did not survive the round trip")
			}
		})
	}
}
