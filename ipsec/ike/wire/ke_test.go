package wire

import (
	"testing"

	"github.com/espressovpn/espresso/ipsec/suite"
)

func TestKeyExchangeRoundTrip(t *testing.T) {
	roundTrip(t, &KeyExchange{Group: suite.GroupCurve25519, Data: []byte{1, 2, 3}}, hexBytes("001f 0000 010203"))
	roundTrip(t, &KeyExchange{Group: suite.GroupMODP2048}, hexBytes("000e 0000"))
	parseErrors(t, PayloadKE, ErrTruncated, nil, hexBytes("001f00"))
}

func FuzzKeyExchange(f *testing.F) { fuzzBody(f, PayloadKE) }
