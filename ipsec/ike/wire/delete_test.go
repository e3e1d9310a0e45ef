package wire

import (
	"errors"
	"testing"
)

func TestDeleteRoundTrip(t *testing.T) {
	roundTrip(t, &Delete{Protocol: ProtocolIKE}, hexBytes("01000000"))
	roundTrip(t, &Delete{Protocol: ProtocolESP, SPIs: []uint32{0xc2fac779, 1}}, hexBytes("03040002 c2fac779 00000001"))
	roundTrip(t, &Delete{Protocol: ProtocolAH, SPIs: []uint32{7}}, hexBytes("02040001 00000007"))
	parseErrors(t, PayloadDelete, ErrMalformed,
		hexBytes("01080001 0000000000000001"), // IKE SA delete with an SPI
		hexBytes("04040001 00000001"),         // unknown protocol
		hexBytes("03080001 0000000000000001"), // 8-byte ESP SPI
		hexBytes("03040001 00000001 00"),      // trailing byte
	)
	parseErrors(t, PayloadDelete, ErrTruncated, nil, hexBytes("030400"), hexBytes("03040002 00000001"))
	for _, d := range []*Delete{{Protocol: ProtocolIKE, SPIs: []uint32{1}}, {Protocol: 9}} {
		if _, err := d.AppendBody(nil); !errors.Is(err, ErrInvalid) {
			t.Errorf("%+v encoded: %v", d, err)
		}
	}
}

func FuzzDelete(f *testing.F) { fuzzBody(f, PayloadDelete) }
