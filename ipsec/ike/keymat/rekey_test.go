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
	k, err := DeriveIKEKeys(s, seed, logged["rekey_ike_ni"], logged["rekey_ike_nr"], spi(t, logged["rekey_ike_spii"]), spi(t, logged["rekey_ike_spir"]))
	if err != nil {
		t.Fatal(err)
	}
	checkEqual(t, "rekeyed SK_d", k.D, logged["rekey_ike_sk_d"])
	checkEqual(t, "rekeyed SK_ei", k.EI, logged["rekey_ike_sk_ei"])
	checkEqual(t, "rekeyed SK_er", k.ER, logged["rekey_ike_sk_er"])
	checkEqual(t, "rekeyed SK_pi", k.PI, logged["rekey_ike_sk_pi"])
	checkEqual(t, "rekeyed SK_pr", k.PR, logged["rekey_ike_sk_pr"])
}
