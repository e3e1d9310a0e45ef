package dh

import (
	"bytes"
	"crypto/mlkem"
	"crypto/rand"
	"errors"
	mrand "math/rand/v2"
	"testing"

	"github.com/espressovpn/espresso/ipsec/suite"
)

var kems = []suite.TransformID{suite.KEMLKEM768, suite.KEMLKEM1024}

// The initiator's key share and the responder's ciphertext have the sizes
// of FIPS 203 and both sides end with the same 32-byte secret.
func TestKEMAgreement(t *testing.T) {
	sizes := map[suite.TransformID][2]int{
		suite.KEMLKEM768:  {1184, 1088},
		suite.KEMLKEM1024: {1568, 1568},
	}
	for _, g := range kems {
		t.Run(suite.KEName(g), func(t *testing.T) {
			i, err := Generate(g, rand.Reader)
			if err != nil {
				t.Fatal(err)
			}
			if i.Group() != g || len(i.PublicKey()) != sizes[g][0] || PublicKeyLen(g) != sizes[g][0] || ResponseLen(g) != sizes[g][1] {
				t.Fatalf("sizes: share %d (%d), response %d", len(i.PublicKey()), PublicKeyLen(g), ResponseLen(g))
			}
			ct, sr, err := Respond(g, i.PublicKey(), rand.Reader)
			if err != nil {
				t.Fatal(err)
			}
			if len(ct) != sizes[g][1] || len(sr) != mlkem.SharedKeySize {
				t.Fatalf("ciphertext %d bytes, secret %d bytes", len(ct), len(sr))
			}
			si, err := i.SharedSecret(ct)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(si, sr) {
				t.Fatal("the two sides computed different secrets")
			}
			i.Zero()
			if _, err := i.SharedSecret(ct); !errors.Is(err, ErrZeroized) {
				t.Fatalf("after Zero: err = %v, want ErrZeroized", err)
			}
		})
	}
}

// Respond works for Diffie-Hellman as well: its data is a public value
// the initiator's key agrees with.
func TestRespondDiffieHellman(t *testing.T) {
	for _, g := range allGroups {
		i, err := Generate(g, rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		pub, sr, err := Respond(g, i.PublicKey(), rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		si, err := i.SharedSecret(pub)
		if err != nil || !bytes.Equal(si, sr) || len(pub) != ResponseLen(g) {
			t.Fatalf("group %d: %v", g, err)
		}
	}
}

// The seed comes from the caller's reader, as for the other methods.
func TestKEMUsesReader(t *testing.T) {
	for _, g := range kems {
		a, _ := Generate(g, mrand.NewChaCha8([32]byte{1}))
		b, _ := Generate(g, mrand.NewChaCha8([32]byte{1}))
		c, _ := Generate(g, mrand.NewChaCha8([32]byte{2}))
		if !bytes.Equal(a.PublicKey(), b.PublicKey()) || bytes.Equal(a.PublicKey(), c.PublicKey()) {
			t.Fatalf("%d: key does not follow the random source", g)
		}
	}
	if _, err := Generate(suite.KEMLKEM768, bytes.NewReader(make([]byte, 8))); err == nil {
		t.Fatal("no error from an exhausted reader")
	}
}

// Key Exchange Data of any length but the method's own is refused with a
// typed error, on either side; so is an encapsulation key that is not one
// (coefficients out of range, FIPS 203 §7.2).
func TestKEMRejectsBadData(t *testing.T) {
	for _, g := range kems {
		i, err := Generate(g, rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		ct, _, err := Respond(g, i.PublicKey(), rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		for name, d := range map[string][]byte{"empty": nil, "short": ct[:len(ct)-1], "long": append(bytes.Clone(ct), 0)} {
			var ipk *InvalidPublicKeyError
			if _, err := i.SharedSecret(d); !errors.As(err, &ipk) {
				t.Errorf("%d, ciphertext %s: err = %v", g, name, err)
			}
		}
		ek := i.PublicKey()
		bad := bytes.Repeat([]byte{0xff}, len(ek))
		for name, d := range map[string][]byte{"empty": nil, "short": ek[:len(ek)-1], "long": append(bytes.Clone(ek), 0), "out of range": bad} {
			var ipk *InvalidPublicKeyError
			if _, _, err := Respond(g, d, rand.Reader); !errors.As(err, &ipk) {
				t.Errorf("%d, encapsulation key %s: err = %v", g, name, err)
			}
		}
	}
	if _, err := Generate(suite.KEMLKEM512, rand.Reader); !errors.Is(err, ErrUnsupportedGroup) {
		t.Fatalf("ML-KEM-512: err = %v, want ErrUnsupportedGroup", err)
	}
	if _, _, err := Respond(suite.KEMLKEM512, make([]byte, 800), rand.Reader); !errors.Is(err, ErrUnsupportedGroup) {
		t.Fatalf("ML-KEM-512 respond: err = %v, want ErrUnsupportedGroup", err)
	}
}

// FuzzRespond feeds the responder arbitrary Key Exchange Data for each
// method: it answers or refuses with an error, never panics, and what it
// accepts has the method's length.
func FuzzRespond(f *testing.F) {
	for _, g := range append(append([]suite.TransformID{}, kems...), allGroups...) {
		k, err := Generate(g, mrand.NewChaCha8([32]byte{4}))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(uint8(g), k.PublicKey())
	}
	f.Fuzz(func(t *testing.T, g uint8, peer []byte) {
		data, s, err := Respond(suite.TransformID(g), peer, mrand.NewChaCha8([32]byte{5}))
		if err != nil {
			return
		}
		id := suite.TransformID(g)
		if len(peer) != PublicKeyLen(id) || len(data) != ResponseLen(id) || len(s) == 0 {
			t.Fatalf("method %d: accepted %d bytes, answered %d", g, len(peer), len(data))
		}
	})
}
