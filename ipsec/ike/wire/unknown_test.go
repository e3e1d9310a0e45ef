package wire

import (
	"errors"
	"testing"
)

func TestUnknownPayload(t *testing.T) {
	// RFC 7296 §2.5: skip an unknown payload with the critical bit clear...
	chain := hexBytes("29 00 0006 abcd" + // type 60 (unknown), next N
		"00 00 0008 0000 4006") // COOKIE notify
	ps, err := ParsePayloads(60, chain)
	if err != nil || len(ps) != 2 {
		t.Fatalf("chain with an unknown payload: %v, %v", ps, err)
	}
	u, ok := ps[0].(*Unknown)
	if !ok || u.Type() != 60 || u.Critical || string(u.Data) != "\xab\xcd" {
		t.Errorf("unknown payload %+v", ps[0])
	}
	if got, err := AppendPayloads(nil, ps); err != nil || string(got) != string(chain) {
		t.Errorf("re-encoded %x, %v", got, err)
	}
	// ...and reject the message when it is set, naming the type.
	chain[1] = criticalBit
	_, err = ParsePayloads(60, chain)
	var uc *UnsupportedCriticalPayloadError
	if !errors.Is(err, ErrUnsupportedCritical) || !errors.As(err, &uc) || uc.Type != 60 {
		t.Errorf("critical unknown payload: %v", err)
	}
	// The critical bit of a known payload type is ignored (RFC 7296 §3.2).
	if _, err := ParsePayloads(PayloadNotify, hexBytes("00 80 0008 0000 4006")); err != nil {
		t.Errorf("critical notify: %v", err)
	}
	// An Unknown built with the bit set encodes it.
	b, err := AppendPayloads(nil, Payloads{&Unknown{PayloadType: 60, Critical: true}})
	if err != nil || b[1] != criticalBit {
		t.Errorf("critical unknown encoded as %x, %v", b, err)
	}
}
