package keymat

import (
	"bytes"
	"testing"
)

// Keys come out in order, and appending to one leaves the next intact.
func TestKeyStream(t *testing.T) {
	ks := keyStream([]byte{1, 2, 3, 4, 5})
	a, b := ks.next(2), ks.next(3)
	if !bytes.Equal(a, []byte{1, 2}) || !bytes.Equal(b, []byte{3, 4, 5}) || len(ks) != 0 {
		t.Fatalf("pieces %v %v, %d left", a, b, len(ks))
	}
	_ = append(a, 9)
	if b[0] != 3 {
		t.Fatal("append to one key overwrote the next")
	}
}
