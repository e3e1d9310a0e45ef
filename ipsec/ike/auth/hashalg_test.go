package auth

import (
	"bytes"
	"crypto"
	"testing"

	"github.com/espressovpn/espresso/ipsec/ike/wire"
)

func TestChooseHash(t *testing.T) {
	if _, ok := ChooseHash([]wire.HashAlgorithm{wire.HashSHA1, wire.HashIdentity}); ok {
		t.Fatal("chose a hash the peer did not share")
	}
	if h, ok := ChooseHash([]wire.HashAlgorithm{wire.HashSHA2_512, wire.HashSHA2_384}); !ok || h != crypto.SHA384 {
		t.Fatalf("ChooseHash = %v, %v; want our preference SHA-384", h, ok)
	}
	if !bytes.Equal(wire.NewSignatureHashAlgorithms(SupportedHashes...).Data, []byte{0, 2, 0, 3, 0, 4}) {
		t.Fatal("announced hashes")
	}
	for h, want := range map[wire.HashAlgorithm]crypto.Hash{
		wire.HashSHA1: 0, wire.HashSHA2_256: crypto.SHA256, wire.HashSHA2_384: crypto.SHA384,
		wire.HashSHA2_512: crypto.SHA512, wire.HashIdentity: 0,
	} {
		if got := HashFunc(h); got != want {
			t.Errorf("HashFunc(%v) = %v, want %v", h, got, want)
		}
	}
}
