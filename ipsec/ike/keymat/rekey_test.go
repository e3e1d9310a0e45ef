package keymat

import (
	"testing"

	"github.com/espressovpn/espresso/ipsec/ike/internal/kat"
	"github.com/espressovpn/espresso/ipsec/suite"
)

// The IKE SA rekey of the PSK exchange (RFC 7296 §2.18). The nonces and new
// SPIs come from the decrypted CREATE_CHILD_SA exchange.
func TestIKERekeyMatchesStrongSwan(t *testing.T) {
	logged := kat.Values(t, "psk")
	prf := mustPRF(t, suite.PRFHMACSHA2_256)
	seed := RekeySKEYSEED(prf, logged["sk_d"], logged["rekey_ike_gir"], logged["rekey_ike_ni"], logged["rekey_ike_nr"])
	checkEqual(t, "rekeyed SKEYSEED", seed, logged["rekey_ike_skeyseed"])
	s := IKESuite{Encr: gcm128, PRF: suite.PRFHMACSHA2_256}
	k, err := DeriveRekeyedIKEKeys(prf, s, seed, logged["rekey_ike_ni"], logged["rekey_ike_nr"], spi(t, logged["rekey_ike_spii"]), spi(t, logged["rekey_ike_spir"]))
	if err != nil {
		t.Fatal(err)
	}
	checkEqual(t, "rekeyed SK_d", k.D, logged["rekey_ike_sk_d"])
	checkEqual(t, "rekeyed SK_ei", k.EI, logged["rekey_ike_sk_ei"])
	checkEqual(t, "rekeyed SK_er", k.ER, logged["rekey_ike_sk_er"])
	checkEqual(t, "rekeyed SK_pi", k.PI, logged["rekey_ike_sk_pi"])
	checkEqual(t, "rekeyed SK_pr", k.PR, logged["rekey_ike_sk_pr"])
}

// A rekey that changes the PRF runs prf+ with the old SA's PRF, as
// strongSwan does, and cuts SK_d, SK_pi and SK_pr at the new PRF's size.
func TestIKERekeyChangingPRF(t *testing.T) {
	logged := kat.Values(t, "psk")
	old := mustPRF(t, suite.PRFHMACSHA2_256)
	seed := RekeySKEYSEED(old, logged["sk_d"], logged["rekey_ike_gir"], logged["rekey_ike_ni"], logged["rekey_ike_nr"])
	ni, nr := logged["rekey_ike_ni"], logged["rekey_ike_nr"]
	spii, spir := spi(t, logged["rekey_ike_spii"]), spi(t, logged["rekey_ike_spir"])
	s := IKESuite{Encr: gcm128, PRF: suite.PRFHMACSHA2_384}
	k, err := DeriveRekeyedIKEKeys(old, s, seed, ni, nr, spii, spir)
	if err != nil {
		t.Fatal(err)
	}
	if len(k.D) != 48 || len(k.PI) != 48 || len(k.PR) != 48 || len(k.EI) != 20 {
		t.Fatalf("key sizes %d %d %d %d, want the new PRF's 48 and GCM's 20", len(k.D), len(k.PI), len(k.PR), len(k.EI))
	}
	// The stream is the old PRF's: its first 32 octets are the SK_d
	// strongSwan derived in the same rekey without a PRF change.
	checkEqual(t, "SK_d prefix", k.D[:32], logged["rekey_ike_sk_d"])
	plain, err := DeriveIKEKeys(s, seed, ni, nr, spii, spir)
	if err != nil {
		t.Fatal(err)
	}
	if string(plain.D) == string(k.D) {
		t.Fatal("the new PRF's prf+ gave the same keys")
	}
	same, err := DeriveRekeyedIKEKeys(old, IKESuite{Encr: gcm128, PRF: suite.PRFHMACSHA2_256}, seed, ni, nr, spii, spir)
	if err != nil {
		t.Fatal(err)
	}
	checkEqual(t, "unchanged PRF SK_pr", same.PR, logged["rekey_ike_sk_pr"])
}
