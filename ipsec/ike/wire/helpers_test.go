package wire

import (
	"bytes"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"testing"
)

// roundTrip encodes p alone in a chain, checks the generic header and, when
// wantBody is not nil, the body bytes; then parses the chain back and checks
// the result prints like p (nil and empty slices alike).
func roundTrip(t *testing.T, p Payload, wantBody []byte) Payload {
	t.Helper()
	b, err := AppendPayloads([]byte{0xee}, Payloads{p})
	if err != nil {
		t.Fatalf("encode %T: %v", p, err)
	}
	if b[0] != 0xee {
		t.Fatalf("encode %T overwrote the buffer's prefix", p)
	}
	b = b[1:]
	if n := int(b[2])<<8 | int(b[3]); n != len(b) {
		t.Errorf("%T: payload length field %d, encoded %d bytes", p, n, len(b))
	}
	if wantBody != nil && !bytes.Equal(b[payloadGenericLen:], wantBody) {
		t.Errorf("%T body\n got %x\nwant %x", p, b[payloadGenericLen:], wantBody)
	}
	ps, err := ParsePayloads(p.Type(), b)
	if err != nil {
		t.Fatalf("parse %T: %v", p, err)
	}
	if len(ps) != 1 {
		t.Fatalf("parsed %d payloads, want 1", len(ps))
	}
	if got, want := fmt.Sprintf("%+v", ps[0]), fmt.Sprintf("%+v", p); got != want {
		t.Errorf("round trip\n got %s\nwant %s", got, want)
	}
	return ps[0]
}

// parseErrors checks that each body fails to parse as a payload of type t
// with an error wrapping want.
func parseErrors(t *testing.T, typ PayloadType, want error, bodies ...[]byte) {
	t.Helper()
	for _, b := range bodies {
		if _, err := parseBody(typ, PayloadNone, false, b); !errors.Is(err, want) {
			t.Errorf("%v body %x: err = %v, want %v", typ, b, err, want)
		}
	}
}

// fuzzBody is the fuzz target of a payload parser: seeded with the bodies of
// type typ from the captures and extra, it checks that parsing never panics,
// fails only with the package's errors, and that what parses re-encodes to
// bytes that parse and encode to themselves.
func fuzzBody(f *testing.F, typ PayloadType, extra ...[]byte) {
	for _, b := range bodies(f, typ) {
		f.Add(b)
	}
	for _, b := range extra {
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		p, err := parseBody(typ, PayloadNone, false, body)
		if err != nil {
			if !errors.Is(err, ErrTruncated) && !errors.Is(err, ErrMalformed) {
				t.Fatalf("unexpected error kind: %v", err)
			}
			return
		}
		if p.Type() != typ {
			t.Fatalf("parsed %v as %v", typ, p.Type())
		}
		enc, err := p.AppendBody(nil)
		if err != nil {
			t.Fatalf("parsed payload does not encode: %v", err)
		}
		q, err := parseBody(typ, PayloadNone, false, enc)
		if err != nil {
			t.Fatalf("re-encoded payload does not parse: %v", err)
		}
		enc2, err := q.AppendBody(nil)
		if err != nil || !bytes.Equal(enc, enc2) {
			t.Fatalf("encoding not stable: %x then %x (%v)", enc, enc2, err)
		}
	})
}

// hexBytes decodes hex written with optional spaces; tests use it for
// expected encodings laid out field by field.
func hexBytes(s string) []byte {
	b, err := hex.DecodeString(strings.ReplaceAll(s, " ", ""))
	if err != nil {
		panic(err)
	}
	return b
}
