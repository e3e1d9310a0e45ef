package wire

import (
	"testing"

	"github.com/espressovpn/espresso/ipsec/suite"
)

func TestSecurityAssociationRoundTrip(t *testing.T) {
	sa := &SecurityAssociation{Proposals: []Proposal{
		{Number: 1, Protocol: ProtocolIKE, Transforms: []Transform{
			TransformFrom(suite.Transform{Type: suite.TypeEncr, ID: suite.EncrAESGCM16, KeyBits: 128}),
			TransformFrom(suite.Transform{Type: suite.TypePRF, ID: suite.PRFHMACSHA2_256}),
			TransformFrom(suite.Transform{Type: suite.TypeKE, ID: suite.GroupCurve25519}),
		}},
		{Number: 2, Protocol: ProtocolESP, SPI: []byte{0xc2, 0xfa, 0xc7, 0x79}, Transforms: []Transform{
			{Type: suite.TypeEncr, ID: suite.EncrAESCBC, Attributes: []Attribute{
				KeyLengthAttribute(256), {Type: 99, Data: []byte{1, 2, 3}}}},
			{Type: suite.TypeESN, ID: suite.ESNNo},
		}},
	}}
	// The first proposal is the one of the strongSwan capture's IKE_SA_INIT
	// request; the second has an SPI, a TLV attribute and two transforms.
	want := hexBytes("02000024 01010003 0300000c 01000014 800e0080 03000008 02000005 00000008 0400001f" +
		"00000027 02030402 c2fac779 03000013 0100000c 800e0100 00630003 010203 00000008 05000000")
	got := roundTrip(t, sa, want).(*SecurityAssociation)
	tr := got.Proposals[1].Transforms[0]
	if bits, ok := tr.KeyBits(); !ok || bits != 256 || !tr.HasUnknownAttributes() {
		t.Errorf("key bits %d %v, unknown attributes %v", bits, ok, tr.HasUnknownAttributes())
	}
	if tr0 := got.Proposals[0].Transforms[0]; tr0.Suite() != (suite.Transform{Type: suite.TypeEncr, ID: suite.EncrAESGCM16, KeyBits: 128}) || tr0.HasUnknownAttributes() {
		t.Errorf("first transform %+v", tr0.Suite())
	}
	if s := got.Proposals[0].String(); s != "#1 IKE:aes128gcm16/prfsha256/x25519" {
		t.Errorf("String() = %q", s)
	}
	roundTrip(t, &SecurityAssociation{}, []byte{})
}

func TestSecurityAssociationMalformed(t *testing.T) {
	parseErrors(t, PayloadSA, ErrMalformed,
		hexBytes("01000008 01010000"),                   // bad proposal marker
		hexBytes("00000007 01010000"),                   // proposal shorter than its header
		hexBytes("00000010 01010001 03000008 01000014"), // the only transform says "more"
		hexBytes("00000010 01010001 00000007 01000014"), // transform shorter than its header
		hexBytes("0000000a 01010000 0000"),              // bytes after the transforms
		hexBytes("00000008 01010000 00"),                // bytes after the last proposal
	)
	parseErrors(t, PayloadSA, ErrTruncated,
		hexBytes("0000"),
		hexBytes("02000008 01010000"), // "more" but no further proposal
		hexBytes("00000008 01010001"), // one transform announced, none there
		hexBytes("00000009 01010000"),
		hexBytes("0000000a 01010400 0000"),                        // SPI longer than the proposal
		hexBytes("0000000c 01010001 0000"),                        // transform header cut
		hexBytes("0000000e 01010001 0000000a 01000014"),           // transform past the proposal
		hexBytes("0000000e 01010001 0000000e 01000014 0001"),      // attribute header cut
		hexBytes("00000010 01010001 00000010 01000014 0001 0004"), // TLV value cut
	)
	if _, err := (&SecurityAssociation{Proposals: []Proposal{{SPI: make([]byte, 256)}}}).AppendBody(nil); err == nil {
		t.Error("256-byte SPI encoded")
	}
	bad := Transform{Attributes: []Attribute{{Type: attributeFormat}}}
	if _, err := (&SecurityAssociation{Proposals: []Proposal{{Transforms: []Transform{bad}}}}).AppendBody(nil); err == nil {
		t.Error("attribute type with the AF bit encoded")
	}
}

func FuzzSecurityAssociation(f *testing.F) { fuzzBody(f, PayloadSA) }
