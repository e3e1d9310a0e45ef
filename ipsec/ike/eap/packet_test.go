package eap

import (
	"bytes"
	"errors"
	"testing"

	"github.com/espressovpn/espresso/ipsec/ike/internal/kat"
)

func TestParseRequestIdentity(t *testing.T) {
	// The EAP-Request/Identity strongSwan sends in its first IKE_AUTH
	// response when eap_id = %any (RFC 3748 §5.1).
	p, err := Parse(kat.Hex(t, "01 00 0005 01"))
	if err != nil {
		t.Fatal(err)
	}
	if p.Code != CodeRequest || p.Identifier != 0 || p.Type != TypeIdentity || len(p.Data) != 0 {
		t.Errorf("parsed %+v", p)
	}
}

func TestParsePaddingIgnored(t *testing.T) {
	// RFC 3748 §4.1: octets beyond Length are padding.
	p, err := Parse(kat.Hex(t, "02 07 000a 01 616c696365 0000"))
	if err != nil {
		t.Fatal(err)
	}
	if string(p.Data) != "alice" || p.Len() != 10 {
		t.Errorf("data %q, len %d", p.Data, p.Len())
	}
	if cap(p.Data) != len(p.Data) {
		t.Error("Data exposes the padding through its capacity")
	}
}

func TestParseErrors(t *testing.T) {
	for _, s := range []string{
		"",                 // empty
		"01 01 00",         // short header
		"01 01 0004",       // Request without a Type
		"02 01 0006 01",    // Length beyond the data
		"01 01 0003 01",    // Length below the header
		"05 01 0004",       // unknown code
		"00 01 0004",       // code 0
		"01 01 ffff 01 00", // huge Length
	} {
		if _, err := Parse(kat.Hex(t, s)); !errors.Is(err, ErrMalformed) {
			t.Errorf("%q: %v, want ErrMalformed", s, err)
		}
	}
}

func TestRoundTrip(t *testing.T) {
	for _, p := range []Packet{
		{Code: CodeRequest, Identifier: 9, Type: TypeMSCHAPv2, Data: []byte{1, 9, 0, 5}},
		{Code: CodeResponse, Identifier: 200, Type: TypeIdentity, Data: []byte("bob@example.test")},
		{Code: CodeResponse, Identifier: 1, Type: TypeNotification},
		{Code: CodeSuccess, Identifier: 3},
		{Code: CodeFailure, Identifier: 4},
	} {
		b, err := p.Marshal()
		if err != nil {
			t.Fatal(err)
		}
		if len(b) != p.Len() {
			t.Errorf("%v: encoded %d bytes, Len %d", p.Code, len(b), p.Len())
		}
		q, err := Parse(b)
		if err != nil {
			t.Fatalf("%v: %v", p.Code, err)
		}
		if q.Code != p.Code || q.Identifier != p.Identifier || q.Type != p.Type || !bytes.Equal(q.Data, p.Data) {
			t.Errorf("round trip %+v -> %+v", p, q)
		}
	}
	if _, err := (Packet{Code: CodeRequest, Type: TypeTLS, Data: make([]byte, MaxLen)}).Marshal(); err == nil {
		t.Error("oversized packet encoded")
	}
	// Success and Failure have no Data (RFC 3748 §4.2) whatever the struct says.
	b, _ := Packet{Code: CodeSuccess, Identifier: 1, Type: TypeTLS, Data: []byte{1}}.Marshal()
	if !bytes.Equal(b, kat.Hex(t, "03 01 0004")) {
		t.Errorf("Success encoded as %x", b)
	}
}

func TestNak(t *testing.T) {
	if got := NakData([]Type{TypeMSCHAPv2, TypeTLS}); !bytes.Equal(got, []byte{26, 13}) {
		t.Errorf("Nak %x", got)
	}
	if got := NakData(nil); !bytes.Equal(got, []byte{0}) {
		t.Errorf("Nak without methods %x", got)
	}
	types, err := ParseNak([]byte{26, 13})
	if err != nil || len(types) != 2 || types[0] != TypeMSCHAPv2 {
		t.Errorf("ParseNak %v %v", types, err)
	}
	if _, err := ParseNak(nil); !errors.Is(err, ErrMalformed) {
		t.Errorf("empty Nak: %v", err)
	}
	// RFC 3748 §5.3.2: Vendor-Id 0, Vendor-Type 3, then 254/0/type.
	want := kat.Hex(t, "000000 00000003 fe 000000 0000001a")
	if got := ExpandedNakData([]Type{TypeMSCHAPv2}); !bytes.Equal(got, want) {
		t.Errorf("Expanded Nak %x, want %x", got, want)
	}
	want = kat.Hex(t, "000000 00000003 00 000000 00000000")
	if got := ExpandedNakData(nil); !bytes.Equal(got, want) {
		t.Errorf("empty Expanded Nak %x, want %x", got, want)
	}
	v, vt, rest, err := ParseExpanded(kat.Hex(t, "00137f 00000001 aa"))
	if err != nil || v != 0x137f || vt != 1 || !bytes.Equal(rest, []byte{0xaa}) {
		t.Errorf("ParseExpanded %x %d %x %v", v, vt, rest, err)
	}
	if _, _, _, err := ParseExpanded([]byte{1, 2}); !errors.Is(err, ErrMalformed) {
		t.Errorf("short expanded type: %v", err)
	}
}

func TestStrings(t *testing.T) {
	for v, want := range map[any]string{
		CodeRequest: "Request", CodeFailure: "Failure", Code(9): "Code(9)",
		TypeTLS: "EAP-TLS", TypeMSCHAPv2: "EAP-MSCHAPv2", Type(99): "Type(99)",
		Running: "running", Succeeded: "succeeded", Failed: "failed",
	} {
		if got := v.(interface{ String() string }).String(); got != want {
			t.Errorf("%v: %q, want %q", v, got, want)
		}
	}
}
