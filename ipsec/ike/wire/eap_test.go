package wire

import (
	"errors"
	"testing"
)

func TestEAPRoundTrip(t *testing.T) {
	// An EAP-Request/Identity (RFC 3748 §5.1) and an EAP-Success.
	req := hexBytes("01 07 0005 01")
	got := roundTrip(t, &EAP{Packet: req}, req).(*EAP)
	if got.Code() != EAPRequest || got.Identifier() != 7 {
		t.Errorf("code %d, identifier %d", got.Code(), got.Identifier())
	}
	roundTrip(t, &EAP{Packet: hexBytes("03 07 0004")}, nil)
	parseErrors(t, PayloadEAP, ErrMalformed, hexBytes("01 07 0006 01"), hexBytes("01 07 0004 01"))
	parseErrors(t, PayloadEAP, ErrTruncated, nil, hexBytes("01 07 00"))
	if _, err := (&EAP{}).AppendBody(nil); !errors.Is(err, ErrInvalid) {
		t.Errorf("empty EAP packet encoded: %v", err)
	}
	if (&EAP{}).Code() != 0 {
		t.Error("code of an empty packet")
	}
}

func FuzzEAP(f *testing.F) {
	fuzzBody(f, PayloadEAP, hexBytes("01 07 0005 01"), hexBytes("02 07 000a 01 616c696365"))
}
