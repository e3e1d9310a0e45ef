package keymat

import (
	"bytes"
	"encoding/binary"
	"errors"
	"testing"

	"github.com/espressovpn/espresso/ipsec/ike/internal/kat"
	"github.com/espressovpn/espresso/ipsec/suite"
)

var gcm128 = suite.Transform{Type: suite.TypeEncr, ID: suite.EncrAESGCM16, KeyBits: 128}

func mustPRF(t testing.TB, id suite.TransformID) PRF {
	t.Helper()
	p, err := NewPRF(id)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func spi(t testing.TB, b []byte) uint64 {
	t.Helper()
	if len(b) != 8 {
		t.Fatalf("SPI of %d bytes", len(b))
	}
	return binary.BigEndian.Uint64(b)
}

func checkEqual(t *testing.T, name string, got, want []byte) {
	t.Helper()
	if len(want) == 0 {
		t.Fatalf("%s: no expected value", name)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s mismatch", name)
	}
}

// The IKE SA keys strongSwan derived in two real exchanges (RFC 7296 §2.14).
func TestIKEKeysMatchStrongSwan(t *testing.T) {
	for _, capture := range []string{"psk", "cert"} {
		t.Run(capture, func(t *testing.T) {
			logged := kat.Values(t, capture)
			prf := mustPRF(t, suite.PRFHMACSHA2_256)
			seed := SKEYSEED(prf, logged["ni"], logged["nr"], logged["gir"])
			checkEqual(t, "SKEYSEED", seed, logged["skeyseed"])
			s := IKESuite{Encr: gcm128, PRF: suite.PRFHMACSHA2_256}
			k, err := DeriveIKEKeys(s, seed, logged["ni"], logged["nr"], spi(t, logged["spii"]), spi(t, logged["spir"]))
			if err != nil {
				t.Fatal(err)
			}
			checkEqual(t, "SK_d", k.D, logged["sk_d"])
			checkEqual(t, "SK_ei", k.EI, logged["sk_ei"])
			checkEqual(t, "SK_er", k.ER, logged["sk_er"])
			checkEqual(t, "SK_pi", k.PI, logged["sk_pi"])
			checkEqual(t, "SK_pr", k.PR, logged["sk_pr"])
			if len(k.AI) != 0 || len(k.AR) != 0 {
				t.Error("AEAD suite produced SK_a keys")
			}

			child, err := DeriveChildKeys(prf, k.D, ChildSuite{Encr: gcm128}, nil, logged["ni"], logged["nr"])
			if err != nil {
				t.Fatal(err)
			}
			checkEqual(t, "child initiator key", child.InitiatorToResponder.Encr, logged["child_ei"])
			checkEqual(t, "child responder key", child.ResponderToInitiator.Encr, logged["child_er"])
			if len(child.InitiatorToResponder.Integ) != 0 {
				t.Error("AEAD Child SA got an integrity key")
			}
		})
	}
}

// A Child SA rekeyed with PFS (RFC 7296 §2.17): g^ir joins the seed.
func TestChildRekeyPFSMatchesStrongSwan(t *testing.T) {
	logged := kat.Values(t, "psk")
	prf := mustPRF(t, suite.PRFHMACSHA2_256)
	c, err := DeriveChildKeys(prf, logged["sk_d"], ChildSuite{Encr: gcm128}, logged["rekey_child_gir"], logged["rekey_child_ni"], logged["rekey_child_nr"])
	if err != nil {
		t.Fatal(err)
	}
	checkEqual(t, "rekeyed child initiator key", c.InitiatorToResponder.Encr, logged["rekey_child_ei"])
	checkEqual(t, "rekeyed child responder key", c.ResponderToInitiator.Encr, logged["rekey_child_er"])
	// As the initiator of the exchange we send with the initiator's key.
	checkEqual(t, "outbound", c.Outbound(true).Encr, logged["rekey_child_ei"])
	checkEqual(t, "inbound", c.Inbound(true).Encr, logged["rekey_child_er"])
	checkEqual(t, "responder outbound", c.Outbound(false).Encr, logged["rekey_child_er"])
}

// RFC 7296 §2.13: T1 = prf(K, S | 0x01), T2 = prf(K, T1 | S | 0x02), and a
// shorter request is a prefix of a longer one.
func TestPRFPlusStructure(t *testing.T) {
	for _, id := range []suite.TransformID{suite.PRFHMACSHA2_256, suite.PRFHMACSHA2_384, suite.PRFHMACSHA2_512} {
		p := mustPRF(t, id)
		key, seed := []byte("key"), []byte("seed")
		out, err := p.Plus(key, seed, 2*p.Size()+5)
		if err != nil {
			t.Fatal(err)
		}
		t1 := p.Sum(key, seed, []byte{1})
		t2 := p.Sum(key, t1, seed, []byte{2})
		t3 := p.Sum(key, t2, seed, []byte{3})
		want := append(append(append([]byte{}, t1...), t2...), t3[:5]...)
		if !bytes.Equal(out, want) {
			t.Fatalf("prf %d: prf+ does not follow RFC 7296 §2.13", id)
		}
		short, _ := p.Plus(key, seed, 7)
		if !bytes.Equal(short, out[:7]) {
			t.Fatalf("prf %d: short output is not a prefix", id)
		}
		if _, err := p.Plus(key, seed, 255*p.Size()); err != nil {
			t.Fatalf("prf %d: 255 blocks refused: %v", id, err)
		}
		if _, err := p.Plus(key, seed, 255*p.Size()+1); !errors.Is(err, ErrKeyMatTooLong) {
			t.Fatalf("prf %d: err = %v, want ErrKeyMatTooLong", id, err)
		}
	}
}

// For a non-AEAD suite the key material is split in the order of RFC 7296
// §2.14 with the lengths of RFC 4868 and RFC 3602.
func TestIKEKeysCBCLayout(t *testing.T) {
	s := IKESuite{
		Encr:  suite.Transform{Type: suite.TypeEncr, ID: suite.EncrAESCBC, KeyBits: 256},
		PRF:   suite.PRFHMACSHA2_384,
		Integ: suite.Transform{Type: suite.TypeInteg, ID: suite.IntegHMACSHA2_512_256},
	}
	ni, nr := bytes.Repeat([]byte{1}, 32), bytes.Repeat([]byte{2}, 32)
	k, err := DeriveIKEKeys(s, []byte("skeyseed"), ni, nr, 0x0102030405060708, 0x1112131415161718)
	if err != nil {
		t.Fatal(err)
	}
	prf := mustPRF(t, suite.PRFHMACSHA2_384)
	seed := append(append(append([]byte{}, ni...), nr...), 1, 2, 3, 4, 5, 6, 7, 8, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0x18)
	all, _ := prf.Plus([]byte("skeyseed"), seed, 48+64+64+32+32+48+48)
	var got []byte
	for _, b := range [][]byte{k.D, k.AI, k.AR, k.EI, k.ER, k.PI, k.PR} {
		got = append(got, b...)
	}
	if !bytes.Equal(got, all) {
		t.Fatal("key material split out of order")
	}
	if len(k.D) != 48 || len(k.AI) != 64 || len(k.EI) != 32 || len(k.PR) != 48 {
		t.Fatalf("lengths d=%d a=%d e=%d p=%d", len(k.D), len(k.AI), len(k.EI), len(k.PR))
	}

	c, err := DeriveChildKeys(prf, k.D, ChildSuite{Encr: s.Encr, Integ: suite.Transform{Type: suite.TypeInteg, ID: suite.IntegHMACSHA2_256_128}}, nil, ni, nr)
	if err != nil {
		t.Fatal(err)
	}
	km, _ := prf.Plus(k.D, append(append([]byte{}, ni...), nr...), 2*(32+32))
	if !bytes.Equal(c.InitiatorToResponder.Encr, km[:32]) || !bytes.Equal(c.InitiatorToResponder.Integ, km[32:64]) ||
		!bytes.Equal(c.ResponderToInitiator.Encr, km[64:96]) || !bytes.Equal(c.ResponderToInitiator.Integ, km[96:]) {
		t.Fatal("Child SA KEYMAT split out of RFC 7296 §2.17 order")
	}
}

func TestWipe(t *testing.T) {
	logged := kat.Values(t, "psk")
	s := IKESuite{Encr: gcm128, PRF: suite.PRFHMACSHA2_256}
	k, err := DeriveIKEKeys(s, logged["skeyseed"], logged["ni"], logged["nr"], 1, 2)
	if err != nil {
		t.Fatal(err)
	}
	c, err := DeriveChildKeys(mustPRF(t, s.PRF), k.D, ChildSuite{Encr: gcm128}, nil, logged["ni"], logged["nr"])
	if err != nil {
		t.Fatal(err)
	}
	k.Wipe()
	c.Wipe()
	for _, b := range [][]byte{k.D, k.EI, k.ER, k.PI, k.PR, c.InitiatorToResponder.Encr, c.ResponderToInitiator.Encr} {
		if len(b) == 0 || !bytes.Equal(b, make([]byte, len(b))) {
			t.Fatal("key survived Wipe")
		}
	}
	(*IKEKeys)(nil).Wipe()
	(*ChildKeys)(nil).Wipe()
}

func TestSuiteErrors(t *testing.T) {
	sha256Integ := suite.Transform{Type: suite.TypeInteg, ID: suite.IntegHMACSHA2_256_128}
	cbc := suite.Transform{Type: suite.TypeEncr, ID: suite.EncrAESCBC, KeyBits: 128}
	bad := []IKESuite{
		{Encr: gcm128, PRF: suite.PRFHMACSHA2_256, Integ: sha256Integ},
		{Encr: cbc, PRF: suite.PRFHMACSHA2_256},
		{Encr: cbc, PRF: 2, Integ: sha256Integ},
		{Encr: suite.Transform{Type: suite.TypeEncr, ID: 3}, PRF: suite.PRFHMACSHA2_256, Integ: sha256Integ},
	}
	for i, s := range bad {
		if _, err := DeriveIKEKeys(s, []byte("k"), nil, nil, 1, 2); err == nil {
			t.Errorf("IKE suite %d accepted", i)
		}
	}
	prf := mustPRF(t, suite.PRFHMACSHA2_256)
	for i, s := range []ChildSuite{{Encr: gcm128, Integ: sha256Integ}, {Encr: cbc}, {Encr: suite.Transform{Type: suite.TypeEncr, ID: 3}}} {
		if _, err := DeriveChildKeys(prf, []byte("k"), s, nil, nil, nil); err == nil {
			t.Errorf("Child suite %d accepted", i)
		}
	}
}
