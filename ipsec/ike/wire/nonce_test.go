package wire

import (
	"bytes"
	"errors"
	"testing"
)

func TestNonceRoundTrip(t *testing.T) {
	for _, n := range []int{MinNonceLen, 32, MaxNonceLen} {
		d := bytes.Repeat([]byte{0x5a}, n)
		roundTrip(t, &Nonce{Data: d}, d)
	}
	// RFC 7296 §3.9: between 16 and 256 octets.
	parseErrors(t, PayloadNonce, ErrMalformed, make([]byte, MinNonceLen-1), make([]byte, MaxNonceLen+1), nil)
	for _, n := range []int{0, MinNonceLen - 1, MaxNonceLen + 1} {
		if _, err := (&Nonce{Data: make([]byte, n)}).AppendBody(nil); !errors.Is(err, ErrInvalid) {
			t.Errorf("%d-byte nonce: %v", n, err)
		}
	}
}

func FuzzNonce(f *testing.F) { fuzzBody(f, PayloadNonce) }
