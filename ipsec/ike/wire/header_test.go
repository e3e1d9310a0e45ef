package wire

import (
	"errors"
	"testing"
)

func TestHeaderRoundTrip(t *testing.T) {
	h := Header{SPIi: 0x85da64c8d0e49137, SPIr: 0x030b3d69d09ad829, NextPayload: PayloadSK,
		MajorVersion: 2, ExchangeType: IKEAuth, Flags: FlagResponse, MessageID: 1, Length: 248}
	want := hexBytes("85da64c8d0e49137 030b3d69d09ad829 2e 20 23 20 00000001 000000f8")
	b := h.AppendTo([]byte{0xee})
	if string(b[1:]) != string(want) {
		t.Fatalf("encoded\n got %x\nwant %x", b[1:], want)
	}
	got, err := ParseHeader(b[1:])
	if err != nil || got != h {
		t.Errorf("parsed %+v, %v", got, err)
	}
	if !got.IsResponse() || got.IsInitiator() || got.Flags.String() != "R" {
		t.Errorf("flags %v", got.Flags)
	}
	if s := (FlagInitiator | FlagVersion | FlagResponse | 0x01).String(); s != "IVR+0x01" {
		t.Errorf("flags string %q", s)
	}
}

func TestHeaderErrors(t *testing.T) {
	good := hexBytes("85da64c8d0e49137 0000000000000000 21 20 22 08 00000000 000000e8")
	if _, err := ParseHeader(good[:HeaderLen-1]); !errors.Is(err, ErrTruncated) {
		t.Errorf("short header: %v", err)
	}
	// RFC 7296 §1.5: a major version other than 2 gets INVALID_MAJOR_VERSION,
	// so the header comes back for the answer.
	v3 := append([]byte(nil), good...)
	v3[17] = 0x30
	h, err := ParseHeader(v3)
	if !errors.Is(err, ErrInvalidMajorVersion) || h.MajorVersion != 3 || h.SPIi != 0x85da64c8d0e49137 {
		t.Errorf("version 3: %+v, %v", h, err)
	}
	// The minor version is ignored (§3.1).
	minor := append([]byte(nil), good...)
	minor[17] = 0x21
	if h, err := ParseHeader(minor); err != nil || h.MinorVersion != 1 {
		t.Errorf("minor version 1: %+v, %v", h, err)
	}
	short := append([]byte(nil), good...)
	short[27] = HeaderLen - 1
	if _, err := ParseHeader(short); !errors.Is(err, ErrMalformed) {
		t.Errorf("length below the header: %v", err)
	}
}

func TestExchangeTypeString(t *testing.T) {
	for e, s := range map[ExchangeType]string{IKESAInit: "IKE_SA_INIT", IKEAuth: "IKE_AUTH",
		CreateChildSA: "CREATE_CHILD_SA", Informational: "INFORMATIONAL", 99: "EXCHANGE(99)"} {
		if e.String() != s {
			t.Errorf("%d: %q, want %q", uint8(e), e, s)
		}
	}
}

func FuzzHeader(f *testing.F) {
	for _, c := range testCaptures(f) {
		f.Add(c.raw[:HeaderLen])
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		h, err := ParseHeader(b)
		if err != nil {
			if !errors.Is(err, ErrTruncated) && !errors.Is(err, ErrMalformed) && !errors.Is(err, ErrInvalidMajorVersion) {
				t.Fatalf("unexpected error kind: %v", err)
			}
			return
		}
		if got := h.AppendTo(nil); string(got) != string(b[:HeaderLen]) {
			t.Fatalf("re-encoded %x, want %x", got, b[:HeaderLen])
		}
	})
}
