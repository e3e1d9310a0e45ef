package wire

import (
	"errors"
	"testing"
)

func TestEncryptedFragmentRoundTrip(t *testing.T) {
	data := hexBytes("0102030405060708 aa f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff")
	f := &EncryptedFragment{FirstPayload: PayloadIDi, Number: 1, Total: 2, Data: data}
	got := roundTrip(t, f, append(hexBytes("0001 0002"), data...)).(*EncryptedFragment)
	if iv, ct, icv, err := got.Split(8, 16); err != nil || len(iv) != 8 || len(ct) != 1 || len(icv) != 16 {
		t.Errorf("Split(8, 16) = %x %x %x, %v", iv, ct, icv, err)
	}
	roundTrip(t, &EncryptedFragment{Number: 2, Total: 2, Data: data}, nil)
	// RFC 7383 §2.5: fragments are numbered from 1 up to the total.
	parseErrors(t, PayloadSKF, ErrMalformed, hexBytes("0000 0002 00"), hexBytes("0003 0002 00"))
	parseErrors(t, PayloadSKF, ErrTruncated, nil, hexBytes("000100"))
	if _, err := (&EncryptedFragment{Number: 0, Total: 1}).AppendBody(nil); !errors.Is(err, ErrInvalid) {
		t.Errorf("fragment 0 encoded: %v", err)
	}
}

func FuzzEncryptedFragment(f *testing.F) { fuzzBody(f, PayloadSKF) }
