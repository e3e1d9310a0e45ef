package wire

import (
	"bytes"
	"errors"
	"net/netip"
	"slices"
	"testing"

	"github.com/espressovpn/espresso/ipsec/suite"
)

func TestNotifyRoundTrip(t *testing.T) {
	roundTrip(t, NewNotify(Cookie, []byte{1, 2}), hexBytes("0000 4006 0102"))
	roundTrip(t, NewRekeySA(ProtocolESP, []byte{0xc2, 0xfa, 0xc7, 0x79}), hexBytes("0304 4009 c2fac779"))
	roundTrip(t, NewNotify(NoProposalChosen, nil), hexBytes("0000 000e"))

	g, err := roundTrip(t, NewInvalidKEPayload(suite.GroupECP256), hexBytes("0000 0011 0013")).(*Notify).Group()
	if err != nil || g != suite.GroupECP256 {
		t.Errorf("Group() = %v, %v", g, err)
	}
	algs := []HashAlgorithm{HashSHA2_256, HashSHA2_384, HashSHA2_512, HashIdentity}
	got, err := roundTrip(t, NewSignatureHashAlgorithms(algs...), hexBytes("0000 402f 0002 0003 0004 0005")).(*Notify).HashAlgorithms()
	if err != nil || !slices.Equal(got, algs) {
		t.Errorf("HashAlgorithms() = %v, %v", got, err)
	}
	s, err := roundTrip(t, NewAuthLifetime(3600), hexBytes("0000 4013 00000e10")).(*Notify).Lifetime()
	if err != nil || s != 3600 {
		t.Errorf("Lifetime() = %v, %v", s, err)
	}
	for _, a := range []string{"203.0.113.1", "2001:db8::1"} {
		addr := netip.MustParseAddr(a)
		if got, err := roundTrip(t, NewAdditionalAddress(addr), nil).(*Notify).Addr(); err != nil || got != addr {
			t.Errorf("Addr() = %v, %v; want %v", got, err, addr)
		}
	}
	// The accessors refuse the wrong type or size.
	wrong := NewNotify(Cookie, []byte{0, 1})
	if _, err := wrong.Group(); !errors.Is(err, ErrMalformed) {
		t.Error("Group() of a COOKIE")
	}
	if _, err := NewNotify(SignatureHashAlgorithms, []byte{1}).HashAlgorithms(); !errors.Is(err, ErrMalformed) {
		t.Error("odd-length SIGNATURE_HASH_ALGORITHMS")
	}
	if _, err := NewNotify(AuthLifetime, []byte{1}).Lifetime(); !errors.Is(err, ErrMalformed) {
		t.Error("short AUTH_LIFETIME")
	}
	if _, err := NewNotify(AdditionalIP4Address, make([]byte, 16)).Addr(); !errors.Is(err, ErrMalformed) {
		t.Error("16-byte ADDITIONAL_IP4_ADDRESS")
	}
	parseErrors(t, PayloadNotify, ErrTruncated, nil, hexBytes("000040"), hexBytes("0304 4009 c2fac7"))
	if _, err := (&Notify{SPI: make([]byte, 256)}).AppendBody(nil); !errors.Is(err, ErrInvalid) {
		t.Error("256-byte SPI encoded")
	}
}

func TestNotifyTypes(t *testing.T) {
	for _, c := range []struct {
		t     NotifyType
		name  string
		isErr bool
	}{
		{AuthenticationFailed, "AUTHENTICATION_FAILED", true},
		{TSUnacceptable, "TS_UNACCEPTABLE", true},
		{ChildSANotFound, "CHILD_SA_NOT_FOUND", true},
		{NATDetectionSourceIP, "NAT_DETECTION_SOURCE_IP", false},
		{IKEv2FragmentationSupported, "IKEV2_FRAGMENTATION_SUPPORTED", false},
		{NotifyType(12345), "ERROR_NOTIFY(12345)", true},
		{NotifyType(40000), "STATUS_NOTIFY(40000)", false},
	} {
		if c.t.String() != c.name || c.t.IsError() != c.isErr {
			t.Errorf("%d: %q error=%v, want %q error=%v", uint16(c.t), c.t, c.t.IsError(), c.name, c.isErr)
		}
	}
	// The values on the wire of the strongSwan capture's IKE_SA_INIT.
	for want, got := range map[uint16]NotifyType{
		0x4004: NATDetectionSourceIP, 0x4005: NATDetectionDestinationIP, 0x402e: IKEv2FragmentationSupported,
		0x402f: SignatureHashAlgorithms, 0x4016: RedirectSupported, 0x4022: ChildlessIKEv2Supported,
		0x4014: MultipleAuthSupported,
	} {
		if uint16(got) != want {
			t.Errorf("%v = %#x, want %#x", got, uint16(got), want)
		}
	}
}

func FuzzNotify(f *testing.F) { fuzzBody(f, PayloadNotify) }

// FuzzHashAlgorithms: the data of a SIGNATURE_HASH_ALGORITHMS notify parses
// only at an even length, never panics, and re-encodes to itself.
func FuzzHashAlgorithms(f *testing.F) {
	f.Add([]byte{0, 2, 0, 3, 0, 4, 0, 5})
	f.Add([]byte{0, 2, 0})
	f.Fuzz(func(t *testing.T, data []byte) {
		hs, err := NewNotify(SignatureHashAlgorithms, data).HashAlgorithms()
		if err != nil {
			if len(data)%2 == 0 || !errors.Is(err, ErrMalformed) {
				t.Fatalf("%d octets: %v", len(data), err)
			}
			return
		}
		if !bytes.Equal(NewSignatureHashAlgorithms(hs...).Data, data) {
			t.Fatal("round trip differs")
		}
	})
}
