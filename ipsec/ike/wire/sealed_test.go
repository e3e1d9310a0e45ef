package wire

import (
	"bytes"
	"errors"
	"testing"
)

// TestSealedBuild follows a sender: encode the inner payloads, build the
// message around an SK payload of the right size, then fill the parts that
// SplitSealed returns.
func TestSealedBuild(t *testing.T) {
	inner := Payloads{&IDi{FQDNIdentity("client.example.test")}, &Authentication{Method: AuthSharedKeyMIC, Data: make([]byte, 32)}}
	plain, err := AppendPayloads(nil, inner)
	if err != nil {
		t.Fatal(err)
	}
	const ivLen, icvLen = 8, 16
	textLen := len(plain) + 1 // no padding, the pad length octet
	m := &Message{
		Header:   Header{SPIi: 1, SPIr: 2, MajorVersion: 2, ExchangeType: IKEAuth, Flags: FlagInitiator, MessageID: 1},
		Payloads: Payloads{&Encrypted{FirstPayload: inner[0].Type(), Data: make([]byte, ivLen+textLen+icvLen)}},
	}
	b, err := m.AppendTo(nil)
	if err != nil {
		t.Fatal(err)
	}
	s, err := SplitSealed(b, ivLen, icvLen)
	if err != nil {
		t.Fatal(err)
	}
	if len(s.AAD) != HeaderLen+payloadGenericLen || len(s.IV) != ivLen || len(s.Ciphertext) != textLen ||
		len(s.ICV) != icvLen || len(s.Signed) != len(b)-icvLen || s.Header.MessageID != 1 {
		t.Fatalf("parts %d/%d/%d/%d/%d of %d bytes", len(s.AAD), len(s.IV), len(s.Ciphertext), len(s.ICV), len(s.Signed), len(b))
	}
	// A stand-in for the cipher: the parts are views of the message.
	copy(s.IV, bytes.Repeat([]byte{0x11}, ivLen))
	copy(s.Ciphertext, append(plain, 0))
	copy(s.ICV, bytes.Repeat([]byte{0x22}, icvLen))
	got, err := ParseMessage(b)
	if err != nil {
		t.Fatal(err)
	}
	sk := got.Payloads[0].(*Encrypted)
	_, ct, icv, err := sk.Split(ivLen, icvLen)
	if err != nil || icv[0] != 0x22 || sk.FirstPayload != PayloadIDi {
		t.Fatalf("split %v, first %v", err, sk.FirstPayload)
	}
	ps, err := ParsePayloads(sk.FirstPayload, ct[:len(ct)-1])
	if err != nil || len(ps) != 2 || ps[0].(*IDi).String() != `"client.example.test"` {
		t.Errorf("inner payloads %v, %v", ps, err)
	}
}

func TestSealedErrors(t *testing.T) {
	plain, err := initRequest().AppendTo(nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := SplitSealed(plain, 8, 16); !errors.Is(err, ErrMalformed) {
		t.Errorf("message without SK: %v", err)
	}
	m := &Message{Header: Header{MajorVersion: 2}, Payloads: Payloads{&Encrypted{Data: make([]byte, 24)}}}
	b, _ := m.AppendTo(nil)
	if _, err := SplitSealed(b, 8, 16); !errors.Is(err, ErrTruncated) {
		t.Errorf("SK without room for the pad length: %v", err)
	}
	if _, err := SplitSealed(b[:20], 8, 16); !errors.Is(err, ErrTruncated) {
		t.Errorf("cut header: %v", err)
	}
}

func FuzzSplitSealed(f *testing.F) {
	for _, c := range testCaptures(f) {
		f.Add(c.raw, uint8(gcmIVLen), uint8(gcmICVLen))
	}
	f.Fuzz(func(t *testing.T, b []byte, ivLen, icvLen uint8) {
		s, err := SplitSealed(b, int(ivLen), int(icvLen))
		if err != nil {
			return
		}
		if len(s.AAD)+len(s.IV)+len(s.Ciphertext)+len(s.ICV) != len(b) || len(s.Signed)+len(s.ICV) != len(b) ||
			len(s.IV) != int(ivLen) || len(s.ICV) != int(icvLen) || len(s.Ciphertext) == 0 {
			t.Fatalf("parts %d/%d/%d/%d of %d bytes", len(s.AAD), len(s.IV), len(s.Ciphertext), len(s.ICV), len(b))
		}
	})
}
