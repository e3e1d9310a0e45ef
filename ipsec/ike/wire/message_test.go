package wire

import (
	"bytes"
	"errors"
	"net/netip"
	"testing"

	"github.com/espressovpn/espresso/ipsec/suite"
)

// initRequest is an IKE_SA_INIT request like the one of the capture.
func initRequest() *Message {
	return &Message{
		Header: Header{SPIi: 0x85da64c8d0e49137, MajorVersion: 2, ExchangeType: IKESAInit, Flags: FlagInitiator},
		Payloads: Payloads{
			&SecurityAssociation{Proposals: []Proposal{{Number: 1, Protocol: ProtocolIKE, Transforms: []Transform{
				TransformFrom(suite.Transform{Type: suite.TypeEncr, ID: suite.EncrAESGCM16, KeyBits: 128}),
				TransformFrom(suite.Transform{Type: suite.TypePRF, ID: suite.PRFHMACSHA2_256}),
				TransformFrom(suite.Transform{Type: suite.TypeKE, ID: suite.GroupCurve25519}),
			}}}},
			&KeyExchange{Group: suite.GroupCurve25519, Data: make([]byte, 32)},
			&Nonce{Data: make([]byte, 32)},
			NewNotify(NATDetectionSourceIP, make([]byte, 20)),
			NewNotify(NATDetectionDestinationIP, make([]byte, 20)),
			NewNotify(NATDetectionDestinationIP, bytes.Repeat([]byte{1}, 20)),
			NewNotify(IKEv2FragmentationSupported, nil),
			NewSignatureHashAlgorithms(HashSHA2_256, HashSHA2_384, HashSHA2_512, HashIdentity),
			NewNotify(RedirectSupported, nil),
		},
	}
}

func TestMessageRoundTrip(t *testing.T) {
	m := initRequest()
	m.Header.Length = 7 // AppendTo computes it
	b, err := m.AppendTo([]byte{0xee})
	if err != nil {
		t.Fatal(err)
	}
	b = b[1:]
	// The same payloads, sizes and chain as strongSwan's 232-byte request.
	if len(b) != 232+20+4+4 {
		t.Errorf("encoded %d bytes", len(b))
	}
	got, err := ParseMessage(b)
	if err != nil {
		t.Fatal(err)
	}
	if got.Header.Length != uint32(len(b)) || got.Header.NextPayload != PayloadSA {
		t.Errorf("header %+v", got.Header)
	}
	if len(got.Payloads) != len(m.Payloads) {
		t.Fatalf("%d payloads, want %d", len(got.Payloads), len(m.Payloads))
	}
	for i := range m.Payloads {
		if w, g := m.Payloads[i], got.Payloads[i]; g.Type() != w.Type() {
			t.Errorf("payload %d: %v, want %v", i, g.Type(), w.Type())
		}
	}
	var nat []*Notify
	for n := range got.Payloads.Notifies(NATDetectionDestinationIP) {
		nat = append(nat, n)
	}
	if len(nat) != 2 || nat[1].Data[0] != 1 || got.Payloads.Notify(NATDetectionDestinationIP) != nat[0] {
		t.Errorf("NAT_DETECTION_DESTINATION_IP notifies %v", nat)
	}
	if got.Payloads.Find(PayloadKE) == nil || got.Payloads.Find(PayloadAUTH) != nil || got.Payloads.Notify(Cookie) != nil {
		t.Error("Find")
	}
	if got.Payloads.ErrorNotify() != nil {
		t.Error("error notify in a request without one")
	}
	if n, ok := First[*Nonce](got.Payloads); !ok || len(n.Data) != 32 {
		t.Error("First[*Nonce]")
	}
	if _, ok := First[*IDi](got.Payloads); ok {
		t.Error("First[*IDi] in IKE_SA_INIT")
	}
	errMsg := Payloads{NewNotify(RedirectSupported, nil), NewNotify(NoProposalChosen, nil)}
	if n := errMsg.ErrorNotify(); n == nil || n.NotifyType != NoProposalChosen {
		t.Errorf("ErrorNotify() = %v", n)
	}
}

func TestMessageAppendAllocations(t *testing.T) {
	m := initRequest()
	m.Payloads = append(m.Payloads,
		&TSi{Selectors: []TrafficSelector{SelectorFromPrefix(netip.MustParsePrefix("198.18.0.1/32"))}},
		&Configuration{ConfigType: CFGRequest, Attributes: []ConfigAttribute{{Type: InternalIP4Address}}},
		&IDi{RFC822Identity("a@b.test")}, &Delete{Protocol: ProtocolESP, SPIs: []uint32{1}},
		&Encrypted{FirstPayload: PayloadIDi, Data: make([]byte, 40)})
	buf := make([]byte, 0, 1024)
	allocs := testing.AllocsPerRun(100, func() {
		if _, err := m.AppendTo(buf[:0]); err != nil {
			t.Fatal(err)
		}
	})
	if allocs != 0 {
		t.Errorf("%v allocations per AppendTo into a large enough buffer, want 0", allocs)
	}
}

func TestMessageErrors(t *testing.T) {
	b, err := initRequest().AppendTo(nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name string
		in   []byte
		want error
	}{
		{"cut", b[:len(b)-1], ErrTruncated},
		{"trailing byte", append(bytes.Clone(b), 0), ErrMalformed},
		{"header only", b[:HeaderLen], ErrTruncated},
	} {
		if _, err := ParseMessage(c.in); !errors.Is(err, c.want) {
			t.Errorf("%s: %v, want %v", c.name, err, c.want)
		}
	}
	// A Length field that agrees with a cut chain.
	cut := bytes.Clone(b[:HeaderLen+10])
	cut[27] = byte(len(cut))
	if _, err := ParseMessage(cut); !errors.Is(err, ErrTruncated) {
		t.Errorf("cut chain: %v", err)
	}
	// Payloads after the chain's end, and an SK payload not last.
	if _, err := ParsePayloads(PayloadNotify, hexBytes("00000008 00004006 00")); !errors.Is(err, ErrMalformed) {
		t.Errorf("bytes after the chain: %v", err)
	}
	if _, err := ParsePayloads(PayloadNotify, hexBytes("00000003")); !errors.Is(err, ErrMalformed) {
		t.Errorf("payload length 3: %v", err)
	}
	if _, err := ParsePayloads(PayloadSK, hexBytes("29000005 00 00000008 00004006")); !errors.Is(err, ErrMalformed) {
		t.Errorf("payload after SK: %v", err)
	}
	if _, err := AppendPayloads(nil, Payloads{&Encrypted{}, &Nonce{}}); !errors.Is(err, ErrInvalid) {
		t.Errorf("SK before another payload encoded: %v", err)
	}
	big := &VendorID{Data: make([]byte, 0x10000)}
	out, err := AppendPayloads([]byte{1}, Payloads{big})
	if !errors.Is(err, ErrInvalid) || len(out) != 1 {
		t.Errorf("65540-byte payload: %d bytes, %v", len(out), err)
	}
	m := &Message{Payloads: Payloads{&Nonce{}}}
	if out, err := m.AppendTo([]byte{1}); !errors.Is(err, ErrInvalid) || len(out) != 1 {
		t.Errorf("invalid payload left %d bytes, %v", len(out), err)
	}
}

func TestPayloadTypeString(t *testing.T) {
	for p, s := range map[PayloadType]string{PayloadSA: "SA", PayloadNonce: "No", PayloadSKF: "SKF", 60: "PAYLOAD(60)"} {
		if p.String() != s {
			t.Errorf("%d: %q, want %q", uint8(p), p, s)
		}
	}
}

func FuzzMessage(f *testing.F) {
	for _, c := range testCaptures(f) {
		f.Add(c.raw)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := ParseMessage(b)
		if err != nil {
			if !errors.Is(err, ErrTruncated) && !errors.Is(err, ErrMalformed) &&
				!errors.Is(err, ErrInvalidMajorVersion) && !errors.Is(err, ErrUnsupportedCritical) {
				t.Fatalf("unexpected error kind: %v", err)
			}
			return
		}
		enc, err := m.AppendTo(nil)
		if err != nil {
			t.Fatalf("parsed message does not encode: %v", err)
		}
		m2, err := ParseMessage(enc)
		if err != nil {
			t.Fatalf("re-encoded message does not parse: %v", err)
		}
		enc2, err := m2.AppendTo(nil)
		if err != nil || !bytes.Equal(enc, enc2) {
			t.Fatalf("encoding not stable (%v)", err)
		}
	})
}

func FuzzParsePayloads(f *testing.F) {
	for _, c := range testCaptures(f) {
		if c.decrypted && len(c.inner) > 0 {
			f.Add(uint8(c.inner[0].Type()), c.plain)
		}
	}
	f.Fuzz(func(t *testing.T, first uint8, b []byte) {
		ps, err := ParsePayloads(PayloadType(first), b)
		if err != nil {
			if !errors.Is(err, ErrTruncated) && !errors.Is(err, ErrMalformed) && !errors.Is(err, ErrUnsupportedCritical) {
				t.Fatalf("unexpected error kind: %v", err)
			}
			return
		}
		enc, err := AppendPayloads(nil, ps)
		if err != nil {
			t.Fatalf("parsed payloads do not encode: %v", err)
		}
		if len(ps) > 0 {
			if _, err := ParsePayloads(ps[0].Type(), enc); err != nil {
				t.Fatalf("re-encoded payloads do not parse: %v", err)
			}
		}
	})
}
