package dh

import (
	"bytes"
	"crypto/rand"
	"errors"
	"math/big"
	mrand "math/rand/v2"
	"testing"

	"github.com/espressovpn/espresso/ipsec/ike/internal/kat"
	"github.com/espressovpn/espresso/ipsec/suite"
)

var allGroups = []suite.TransformID{
	suite.GroupCurve25519, suite.GroupECP256, suite.GroupECP384,
	suite.GroupMODP2048, suite.GroupMODP3072,
}

// RFC 7748 §6.1.
func TestX25519KnownAnswer(t *testing.T) {
	a, err := newECDH(suite.GroupCurve25519, kat.Hex(t, "77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a"))
	if err != nil {
		t.Fatal(err)
	}
	if got, want := a.PublicKey(), kat.Hex(t, "8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a"); !bytes.Equal(got, want) {
		t.Fatalf("public key %x, want %x", got, want)
	}
	s, err := a.SharedSecret(kat.Hex(t, "de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(s, kat.Hex(t, "4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742")) {
		t.Fatal("shared secret mismatch")
	}
}

// RFC 5903 §8.1: the KE data is x | y and the shared secret is the x
// coordinate of g^ir.
func TestECP256KnownAnswer(t *testing.T) {
	i, err := newECDH(suite.GroupECP256, kat.Hex(t, "C88F01F510D9AC3F70A292DAA2316DE544E9AAB8AFE84049C62A9C57862D1433"))
	if err != nil {
		t.Fatal(err)
	}
	gi := kat.Hex(t, "DAD0B65394221CF9B051E1FECA5787D098DFE637FC90B9EF945D0C3772581180"+
		"5271A0461CDB8252D61F1C456FA3E59AB1F45B33ACCF5F58389E0577B8990BB3")
	if !bytes.Equal(i.PublicKey(), gi) {
		t.Fatalf("g^i %x, want %x", i.PublicKey(), gi)
	}
	gr := kat.Hex(t, "D12DFB5289C8D4F81208B70270398C342296970A0BCCB74C736FC7554494BF63"+
		"56FBF3CA366CC23E8157854C13C58D6AAC23F046ADA30F8353E74F33039872AB")
	s, err := i.SharedSecret(gr)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(s, kat.Hex(t, "D6840F6B42F6EDAFD13116E0E12565202FEF8E9ECE7DCE03812464D04B9442DE")) {
		t.Fatal("shared secret mismatch")
	}
}

func TestAgreementAllGroups(t *testing.T) {
	for _, g := range allGroups {
		t.Run(suite.Transform{Type: suite.TypeKE, ID: g}.String(), func(t *testing.T) {
			a, err := Generate(g, rand.Reader)
			if err != nil {
				t.Fatal(err)
			}
			b, err := Generate(g, rand.Reader)
			if err != nil {
				t.Fatal(err)
			}
			if a.Group() != g {
				t.Fatalf("Group() = %d", a.Group())
			}
			if len(a.PublicKey()) != PublicKeyLen(g) {
				t.Fatalf("public key length %d, want %d", len(a.PublicKey()), PublicKeyLen(g))
			}
			sa, err := a.SharedSecret(b.PublicKey())
			if err != nil {
				t.Fatal(err)
			}
			sb, err := b.SharedSecret(a.PublicKey())
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(sa, sb) {
				t.Fatal("the two sides computed different secrets")
			}
			a.Zero()
			if _, err := a.SharedSecret(b.PublicKey()); !errors.Is(err, ErrZeroized) {
				t.Fatalf("after Zero: err = %v, want ErrZeroized", err)
			}
		})
	}
}

// The caller's reader decides the key, so tests and fuzzers can reproduce it.
func TestGenerateUsesReader(t *testing.T) {
	for _, g := range allGroups {
		a, err := Generate(g, mrand.NewChaCha8([32]byte{1}))
		if err != nil {
			t.Fatal(err)
		}
		b, err := Generate(g, mrand.NewChaCha8([32]byte{1}))
		if err != nil {
			t.Fatal(err)
		}
		c, err := Generate(g, mrand.NewChaCha8([32]byte{2}))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(a.PublicKey(), b.PublicKey()) || bytes.Equal(a.PublicKey(), c.PublicKey()) {
			t.Fatalf("group %d: key does not follow the random source", g)
		}
	}
}

func TestGenerateUnsupported(t *testing.T) {
	if _, err := Generate(2, rand.Reader); !errors.Is(err, ErrUnsupportedGroup) {
		t.Fatalf("err = %v, want ErrUnsupportedGroup", err)
	}
	if Supported(2) || !Supported(suite.GroupMODP2048) {
		t.Fatal("Supported disagrees with Generate")
	}
}

func TestGenerateShortRandom(t *testing.T) {
	for _, g := range allGroups {
		if _, err := Generate(g, bytes.NewReader(make([]byte, 8))); err == nil {
			t.Fatalf("group %d: no error from an exhausted reader", g)
		}
	}
}

func TestMODPPrimesAreSafePrimes(t *testing.T) {
	for _, g := range []suite.TransformID{suite.GroupMODP2048, suite.GroupMODP3072} {
		p := primeOf(g)
		if p.BitLen() != PublicKeyLen(g)*8 {
			t.Fatalf("group %d: prime has %d bits", g, p.BitLen())
		}
		q := new(big.Int).Rsh(p, 1)
		if !p.ProbablyPrime(8) || !q.ProbablyPrime(8) {
			t.Fatalf("group %d: built-in modulus is not a safe prime", g)
		}
	}
}

// RFC 6989 §2.1 and RFC 7296 §3.4: values outside 1 < y < p-1 and data of
// the wrong length are refused.
func TestMODPRejectsBadPublicValues(t *testing.T) {
	for _, g := range []suite.TransformID{suite.GroupMODP2048, suite.GroupMODP3072} {
		k, err := Generate(g, rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		p := primeOf(g)
		n := PublicKeyLen(g)
		bad := map[string][]byte{
			"zero":  make([]byte, n),
			"one":   big.NewInt(1).FillBytes(make([]byte, n)),
			"p-1":   new(big.Int).Sub(p, big.NewInt(1)).FillBytes(make([]byte, n)),
			"p":     p.FillBytes(make([]byte, n)),
			"short": big.NewInt(5).Bytes(),
			"long":  append([]byte{0}, k.PublicKey()...),
		}
		for name, v := range bad {
			var ipk *InvalidPublicKeyError
			if _, err := k.SharedSecret(v); !errors.As(err, &ipk) {
				t.Errorf("group %d, %s: err = %v, want InvalidPublicKeyError", g, name, err)
			}
		}
		// 2 is in range and must be accepted; the secret is then x-th
		// power of 2, which is our own public value.
		s, err := k.SharedSecret(big.NewInt(2).FillBytes(make([]byte, n)))
		if err != nil || !bytes.Equal(s, k.PublicKey()) {
			t.Errorf("group %d: peer value 2 not handled: %v", g, err)
		}
	}
}

func TestECDHRejectsBadPoints(t *testing.T) {
	for _, g := range []suite.TransformID{suite.GroupECP256, suite.GroupECP384, suite.GroupCurve25519} {
		k, err := Generate(g, rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		n := PublicKeyLen(g)
		notOnCurve := bytes.Clone(k.PublicKey())
		notOnCurve[n-1] ^= 1
		cases := map[string][]byte{
			"zero":  make([]byte, n),
			"short": k.PublicKey()[:n-1],
			"long":  append([]byte{4}, k.PublicKey()...),
		}
		if g != suite.GroupCurve25519 {
			cases["not on curve"] = notOnCurve
		}
		for name, v := range cases {
			var ipk *InvalidPublicKeyError
			if _, err := k.SharedSecret(v); !errors.As(err, &ipk) {
				t.Errorf("group %d, %s: err = %v, want InvalidPublicKeyError", g, name, err)
			}
		}
	}
}

func FuzzSharedSecret(f *testing.F) {
	for _, g := range allGroups {
		k, err := Generate(g, mrand.NewChaCha8([32]byte{3}))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(uint8(g), k.PublicKey())
		f.Add(uint8(g), make([]byte, PublicKeyLen(g)))
	}
	keys := map[suite.TransformID]KeyExchange{}
	for _, g := range allGroups {
		k, err := Generate(g, mrand.NewChaCha8([32]byte{4}))
		if err != nil {
			f.Fatal(err)
		}
		keys[g] = k
	}
	f.Fuzz(func(t *testing.T, g uint8, peer []byte) {
		k, ok := keys[suite.TransformID(g)]
		if !ok {
			return
		}
		s, err := k.SharedSecret(peer)
		if err == nil && len(peer) != PublicKeyLen(k.Group()) {
			t.Fatalf("accepted %d bytes of KE data", len(peer))
		}
		if err == nil && len(s) == 0 {
			t.Fatal("empty secret without error")
		}
	})
}
