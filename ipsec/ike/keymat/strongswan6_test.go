package keymat

import (
	"bytes"
	"path"
	"slices"
	"testing"

	"github.com/espressovpn/espresso/ipsec/ike/internal/kat"
	"github.com/espressovpn/espresso/ipsec/suite"
)

var gcm256 = suite.Transform{Type: suite.TypeEncr, ID: suite.EncrAESGCM16, KeyBits: 256}

// sw6Suite is the IKE SA of the strongSwan 6 captures:
// aes256gcm16-prfsha384 with their key exchanges.
var sw6Suite = IKESuite{Encr: gcm256, PRF: suite.PRFHMACSHA2_384}

// checkIKEKeys compares keys with the values named prefix+"sk_d"... (or,
// with a "%" in prefix, the name put in its place).
func checkIKEKeys(t *testing.T, v map[string][]byte, k *IKEKeys, name func(string) string) {
	t.Helper()
	checkEqual(t, name("sk_d"), k.D, v[name("sk_d")])
	checkEqual(t, name("sk_ei"), k.EI, v[name("sk_ei")])
	checkEqual(t, name("sk_er"), k.ER, v[name("sk_er")])
	checkEqual(t, name("sk_pi"), k.PI, v[name("sk_pi")])
	checkEqual(t, name("sk_pr"), k.PR, v[name("sk_pr")])
}

// The IKE SA keys strongSwan 6 derived in its post-quantum exchanges:
// after IKE_SA_INIT from the first key exchange's shared secret (RFC 7296
// §2.14; ML-KEM's shared secret takes g^ir's place when it is the only
// method), and in the hybrids again after IKE_INTERMEDIATE, from the old
// SK_d and the ML-KEM shared secret (RFC 9370 §2.2.2):
//
//	SKEYSEED(1) = prf(SK_d(0), SK(1) | Ni | Nr)
//	SK_*(1)     = prf+(SKEYSEED(1), Ni | Nr | SPIi | SPIr)
//
// which is the formula of an IKE SA rekey with the IKE SA's own SPIs.
func TestStrongSwan6IKEKeys(t *testing.T) {
	prf := mustPRF(t, suite.PRFHMACSHA2_384)
	for _, capture := range kat.StrongSwan6 {
		t.Run(path.Base(capture), func(t *testing.T) {
			v := kat.Values(t, capture)
			ni, nr, spii, spir := v["ni"], v["nr"], spi(t, v["spii"]), spi(t, v["spir"])
			seed := SKEYSEED(prf, ni, nr, v["ke_0"])
			checkEqual(t, "SKEYSEED(0)", seed, v["skeyseed_0"])
			k, err := DeriveIKEKeys(sw6Suite, seed, ni, nr, spii, spir)
			if err != nil {
				t.Fatal(err)
			}
			checkIKEKeys(t, v, k, func(n string) string { return n + "_0" })
			if v["ke_1"] == nil {
				return
			}
			seed = RekeySKEYSEED(prf, v["sk_d_0"], v["ke_1"], ni, nr)
			checkEqual(t, "SKEYSEED(1)", seed, v["skeyseed_1"])
			k, err = DeriveRekeyedIKEKeys(prf, sw6Suite, seed, ni, nr, spii, spir)
			if err != nil {
				t.Fatal(err)
			}
			checkIKEKeys(t, v, k, func(n string) string { return n + "_1" })
		})
	}
}

// lastSKd is the SK_d in force after IKE_SA_INIT and any IKE_INTERMEDIATE.
func lastSKd(v map[string][]byte) []byte {
	if d := v["sk_d_1"]; d != nil {
		return d
	}
	return v["sk_d_0"]
}

// The Child SA keys: IKE_AUTH's from the last SK_d and the IKE_SA_INIT
// nonces; the rekey's with PFS (RFC 7296 §2.17) from the new nonces and
// the shared secrets, an additional one after them (RFC 9370 §2.2.4):
//
//	KEYMAT = prf+(SK_d, SK(0) | Ni | Nr | SK(1))
func TestStrongSwan6ChildKeys(t *testing.T) {
	prf := mustPRF(t, suite.PRFHMACSHA2_384)
	cs := ChildSuite{Encr: gcm256}
	for _, capture := range kat.StrongSwan6 {
		t.Run(path.Base(capture), func(t *testing.T) {
			v := kat.Values(t, capture)
			skd := lastSKd(v)
			c, err := DeriveChildKeys(prf, skd, cs, nil, v["ni"], v["nr"])
			if err != nil {
				t.Fatal(err)
			}
			checkEqual(t, "child initiator key", c.InitiatorToResponder.Encr, v["child_ei"])
			checkEqual(t, "child responder key", c.ResponderToInitiator.Encr, v["child_er"])

			ni, nr := v["rekey_child_ni"], v["rekey_child_nr"]
			seed := slices.Concat(v["rekey_child_ke"], ni, nr, v["rekey_child_addke"])
			checkEqual(t, "rekey seed", seed, v["rekey_child_seed"])
			if v["rekey_child_addke"] == nil {
				c, err := DeriveChildKeys(prf, skd, cs, v["rekey_child_ke"], ni, nr)
				if err != nil {
					t.Fatal(err)
				}
				checkEqual(t, "rekeyed child initiator key", c.InitiatorToResponder.Encr, v["rekey_child_ei"])
				checkEqual(t, "rekeyed child responder key", c.ResponderToInitiator.Encr, v["rekey_child_er"])
				return
			}
			// DeriveChildKeys takes one shared secret; the seed with the
			// additional one goes to prf+ directly.
			km, err := prf.Plus(skd, seed, 2*len(v["rekey_child_ei"]))
			if err != nil {
				t.Fatal(err)
			}
			checkEqual(t, "rekeyed child keys", km, slices.Concat(v["rekey_child_ei"], v["rekey_child_er"]))
		})
	}
}

// The IKE SA rekey with an additional key exchange (RFC 9370 §2.2.4):
//
//	SKEYSEED = prf(SK_d, SK(0) | Ni | Nr | SK(1))
//
// with prf+ over the new nonces and SPIs as in any IKE rekey; without an
// additional exchange it is RFC 7296 §2.18's.
func TestStrongSwan6IKERekey(t *testing.T) {
	prf := mustPRF(t, suite.PRFHMACSHA2_384)
	for _, capture := range kat.StrongSwan6 {
		t.Run(path.Base(capture), func(t *testing.T) {
			v := kat.Values(t, capture)
			ni, nr := v["rekey_ike_ni"], v["rekey_ike_nr"]
			seed := RekeySKEYSEED(prf, lastSKd(v), v["rekey_ike_ke"], ni, nr)
			if add := v["rekey_ike_addke"]; add != nil {
				seed = prf.Sum(lastSKd(v), v["rekey_ike_ke"], ni, nr, add)
			}
			checkEqual(t, "rekeyed SKEYSEED", seed, v["rekey_ike_skeyseed"])
			k, err := DeriveRekeyedIKEKeys(prf, sw6Suite, seed, ni, nr, spi(t, v["rekey_ike_spii"]), spi(t, v["rekey_ike_spir"]))
			if err != nil {
				t.Fatal(err)
			}
			checkIKEKeys(t, v, k, func(n string) string { return "rekey_ike_" + n })
		})
	}
}

// IntAuth (RFC 9242 §3.3.2) of the one IKE_INTERMEDIATE exchange of each
// hybrid: prf over the octets strongSwan logged, with the SK_p of the keys
// that protect the exchange (those of IKE_SA_INIT), no IntAuth before it.
func TestStrongSwan6IntAuth(t *testing.T) {
	prf := mustPRF(t, suite.PRFHMACSHA2_384)
	for _, capture := range kat.StrongSwan6 {
		v := kat.Values(t, capture)
		if v["intauth_i"] == nil {
			continue
		}
		checkEqual(t, capture+" IntAuth_i1", prf.Sum(v["sk_pi_0"], v["intauth_data_i"]), v["intauth_i"])
		checkEqual(t, capture+" IntAuth_r1", prf.Sum(v["sk_pr_0"], v["intauth_data_r"]), v["intauth_r"])
		if bytes.Equal(v["intauth_i"], v["intauth_r"]) {
			t.Errorf("%s: IntAuth_i1 and IntAuth_r1 are equal", capture)
		}
	}
}
