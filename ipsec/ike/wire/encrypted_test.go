package wire

import (
	"bytes"
	"errors"
	"testing"
)

func TestEncryptedRoundTrip(t *testing.T) {
	data := hexBytes("0102030405060708 aabbccdd00 f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff")
	got := roundTrip(t, &Encrypted{FirstPayload: PayloadIDi, Data: data}, data).(*Encrypted)
	if got.FirstPayload != PayloadIDi {
		t.Errorf("first payload %v", got.FirstPayload)
	}
	iv, ct, icv, err := got.Split(8, 16)
	if err != nil || !bytes.Equal(iv, data[:8]) || !bytes.Equal(ct, data[8:13]) || !bytes.Equal(icv, data[13:]) {
		t.Errorf("Split(8, 16) = %x %x %x, %v", iv, ct, icv, err)
	}
	// The parts are capped: appending to one cannot overwrite the next.
	_ = append(iv, 0xee)
	if got.Data[8] != 0xaa {
		t.Error("append to the IV overwrote the ciphertext")
	}
	// At least the Pad Length octet must remain (RFC 7296 §3.14).
	if _, _, _, err := got.Split(8, 21); !errors.Is(err, ErrTruncated) {
		t.Errorf("Split without room for the pad length: %v", err)
	}
	if _, _, _, err := got.Split(-1, 0); !errors.Is(err, ErrInvalid) {
		t.Errorf("Split with a negative IV length: %v", err)
	}
}

func FuzzEncrypted(f *testing.F) {
	fuzzBody(f, PayloadSK)
}
