package kat

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"testing"

	"github.com/espressovpn/espresso/ipsec/internal/pcap"
)

// Payload type numbers (RFC 7296 §3.2, RFC 7383 §2.5) in the RFC's own
// notation. The tests walk payload chains with them, independently of the
// wire package they check.
const (
	SA      = 33
	KE      = 34
	IDi     = 35
	IDr     = 36
	CERT    = 37
	CERTREQ = 38
	AUTH    = 39
	Nonce   = 40
	N       = 41
	D       = 42
	TSi     = 44
	TSr     = 45
	SK      = 46
	CP      = 47
	SKF     = 53
)

// Messages returns the IKE messages of a capture ("psk" or "cert") in order,
// without the non-ESP marker of port 4500.
func Messages(capture string) ([][]byte, error) {
	b, err := ReadFile(capture + ".pcap")
	if err != nil {
		return nil, err
	}
	ds, err := pcap.Read(bytes.NewReader(b))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", capture, err)
	}
	var msgs [][]byte
	for _, d := range ds {
		if m, ok := d.IKE(); ok {
			msgs = append(msgs, m)
		}
	}
	return msgs, nil
}

// IKEMessages is Messages for tests: it fails tb on an error.
func IKEMessages(tb testing.TB, capture string) [][]byte {
	tb.Helper()
	msgs, err := Messages(capture)
	if err != nil {
		tb.Fatal(err)
	}
	return msgs
}

// Sealed is the SK or SKF payload of a message, split as an SK cipher's Open
// wants it: Head is the message up to the payload's body (the associated
// data of RFC 5282 §5.1), Body the IV, ciphertext and ICV.
type Sealed struct {
	Head, Body []byte
	// First is the type of the first inner payload; in an SKF payload
	// only fragment 1 names it (RFC 7383 §2.5).
	First byte
	// Frag and Total number an SKF fragment; both are zero for SK.
	Frag, Total uint16
}

// FindSealed walks the cleartext payload chain of an IKE message (RFC 7296
// §3.1, §3.2) to its SK or SKF payload, failing tb if there is none.
func FindSealed(tb testing.TB, msg []byte) Sealed {
	tb.Helper()
	if len(msg) < 28 {
		tb.Fatalf("message of %d bytes", len(msg))
	}
	next, off := msg[16], 28
	for off+4 <= len(msg) {
		n := int(binary.BigEndian.Uint16(msg[off+2:]))
		if n < 4 || off+n > len(msg) {
			tb.Fatalf("bad payload length %d at %d", n, off)
		}
		switch next {
		case SK:
			return Sealed{Head: msg[:off+4], Body: msg[off+4 : off+n], First: msg[off]}
		case SKF:
			return Sealed{
				Head: msg[:off+8], Body: msg[off+8 : off+n], First: msg[off],
				Frag: binary.BigEndian.Uint16(msg[off+4:]), Total: binary.BigEndian.Uint16(msg[off+6:]),
			}
		}
		next, off = msg[off], off+n
	}
	tb.Fatal("no SK or SKF payload")
	return Sealed{}
}

// Payload is one payload of a chain: its type and its body after the
// generic payload header.
type Payload struct {
	Type byte
	Body []byte
}

// Payloads walks a payload chain whose first payload has type first (RFC
// 7296 §3.2), failing tb if the chain does not fill b exactly. It serves
// the cleartext chain of a message (first = msg[16], b = msg[28:]) and a
// decrypted SK body alike.
func Payloads(tb testing.TB, first byte, b []byte) []Payload {
	tb.Helper()
	var ps []Payload
	for typ := first; typ != 0; {
		if len(b) < 4 {
			tb.Fatalf("truncated payload chain: %d bytes left", len(b))
		}
		n := int(binary.BigEndian.Uint16(b[2:]))
		if n < 4 || n > len(b) {
			tb.Fatalf("bad inner payload length %d", n)
		}
		ps = append(ps, Payload{Type: typ, Body: b[4:n]})
		typ, b = b[0], b[n:]
	}
	if len(b) != 0 {
		tb.Fatalf("%d bytes after the payload chain", len(b))
	}
	return ps
}

// Find returns the body of the first payload of type typ, failing tb if
// there is none.
func Find(tb testing.TB, ps []Payload, typ byte) []byte {
	tb.Helper()
	for _, p := range ps {
		if p.Type == typ {
			return p.Body
		}
	}
	tb.Fatalf("no payload of type %d", typ)
	return nil
}
