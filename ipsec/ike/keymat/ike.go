package keymat

import (
	"encoding/binary"
	"fmt"

	"github.com/espressovpn/espresso/ipsec/suite"
)

// IKESuite is the part of a negotiated IKE proposal that shapes the keys.
// Integ is the zero Transform when Encr is an AEAD (RFC 5282 §7: no SK_a*).
type IKESuite struct {
	Encr  suite.Transform
	PRF   suite.TransformID
	Integ suite.Transform
}

// lengths returns the lengths of SK_a* and SK_e* for the suite.
func (s IKESuite) lengths() (integ, encr int, err error) {
	encr, ok := suite.EncrKeyMatLen(s.Encr)
	if !ok {
		return 0, 0, fmt.Errorf("keymat: unsupported encryption transform %v", s.Encr)
	}
	if suite.IsAEAD(s.Encr) {
		if s.Integ.ID != 0 {
			return 0, 0, fmt.Errorf("keymat: integrity transform %v with AEAD %v", s.Integ, s.Encr)
		}
		return 0, encr, nil
	}
	integ = suite.IntegKeyLen(s.Integ.ID)
	if integ == 0 {
		return 0, 0, fmt.Errorf("keymat: unsupported integrity transform %v", s.Integ)
	}
	return integ, encr, nil
}

// IKEKeys are the seven keys of an IKE SA (RFC 7296 §2.14). For an AEAD
// suite AI and AR are empty and EI/ER hold the cipher key followed by the
// 4-byte salt (RFC 5282 §7.1).
type IKEKeys struct {
	D      []byte // SK_d: seeds Child SA and rekeyed IKE SA keys
	AI, AR []byte // SK_ai, SK_ar: integrity, initiator and responder
	EI, ER []byte // SK_ei, SK_er: encryption, initiator and responder
	PI, PR []byte // SK_pi, SK_pr: bind the AUTH payloads to the identities
}

// SKEYSEED returns prf(Ni | Nr, g^ir), the SKEYSEED of an IKE SA created by
// IKE_SA_INIT (RFC 7296 §2.14).
func SKEYSEED(prf PRF, ni, nr, gir []byte) []byte {
	key := make([]byte, 0, len(ni)+len(nr))
	key = append(append(key, ni...), nr...)
	return prf.Sum(key, gir)
}

// RekeySKEYSEED returns prf(SK_d(old), g^ir(new) | Ni | Nr), the SKEYSEED of
// an IKE SA created by rekeying one (RFC 7296 §2.18). oldPRF is the PRF of the
// old IKE SA: the exchange belongs to it, even if the new SA negotiated
// another one.
//
// add are the shared secrets of the rekey's additional key exchanges (RFC
// 9370 §2.2.4), after the nonces: prf(SK_d, g^ir | Ni | Nr | SK(1) ...).
func RekeySKEYSEED(oldPRF PRF, oldSKd, gir, ni, nr []byte, add ...[]byte) []byte {
	return oldPRF.Sum(oldSKd, append([][]byte{gir, ni, nr}, add...)...)
}

// DeriveIKEKeys computes {SK_d | SK_ai | SK_ar | SK_ei | SK_er | SK_pi | SK_pr}
// = prf+(SKEYSEED, Ni | Nr | SPIi | SPIr) (RFC 7296 §2.14) with the suite's
// PRF, for an IKE SA made by IKE_SA_INIT.
func DeriveIKEKeys(s IKESuite, skeyseed, ni, nr []byte, spii, spir uint64) (*IKEKeys, error) {
	prf, err := NewPRF(s.PRF)
	if err != nil {
		return nil, err
	}
	return deriveIKEKeys(prf, s, skeyseed, ni, nr, spii, spir)
}

// DeriveRekeyedIKEKeys computes the keys of an IKE SA made by rekeying one
// (RFC 7296 §2.18) from the SKEYSEED of RekeySKEYSEED. The rekeying
// exchange belongs to the old SA, and strongSwan runs prf+ with the old
// SA's PRF too (derive_ike_keys in its keymat_v2.c: "use OLD SAs PRF
// functions for both prf_plus and prf"), while the key sizes, SK_d, SK_pi
// and SK_pr included, are the new suite's. Both readings agree unless a rekey changes the PRF; this one is
// the one gateways run.
func DeriveRekeyedIKEKeys(oldPRF PRF, s IKESuite, skeyseed, ni, nr []byte, spii, spir uint64) (*IKEKeys, error) {
	if _, err := NewPRF(s.PRF); err != nil {
		return nil, err
	}
	return deriveIKEKeys(oldPRF, s, skeyseed, ni, nr, spii, spir)
}

// deriveIKEKeys runs prf+ with plus and cuts the keys at the sizes of s.
func deriveIKEKeys(plus PRF, s IKESuite, skeyseed, ni, nr []byte, spii, spir uint64) (*IKEKeys, error) {
	prf, err := NewPRF(s.PRF)
	if err != nil {
		return nil, err
	}
	integ, encr, err := s.lengths()
	if err != nil {
		return nil, err
	}
	seed := make([]byte, 0, len(ni)+len(nr)+16)
	seed = append(append(seed, ni...), nr...)
	seed = binary.BigEndian.AppendUint64(seed, spii)
	seed = binary.BigEndian.AppendUint64(seed, spir)
	ps := prf.Size()
	km, err := plus.Plus(skeyseed, seed, 3*ps+2*integ+2*encr)
	if err != nil {
		return nil, err
	}
	ks := keyStream(km)
	k := &IKEKeys{}
	k.D = ks.next(ps)
	k.AI, k.AR = ks.next(integ), ks.next(integ)
	k.EI, k.ER = ks.next(encr), ks.next(encr)
	k.PI, k.PR = ks.next(ps), ks.next(ps)
	return k, nil
}

// Wipe overwrites every key; the IKEKeys must not be used afterwards.
func (k *IKEKeys) Wipe() {
	if k == nil {
		return
	}
	for _, b := range [][]byte{k.D, k.AI, k.AR, k.EI, k.ER, k.PI, k.PR} {
		clear(b)
	}
}

// IntermediateSKEYSEED returns prf(SK_d(n-1), SK(n) | Ni | Nr), the
// SKEYSEED after the additional key exchange n of an IKE_INTERMEDIATE or
// IKE_FOLLOWUP_KE exchange (RFC 9370 §2.2.2); DeriveIKEKeys with the SA's
// unchanged SPIs and nonces then gives the updated keys. It is the
// computation of RekeySKEYSEED with the PRF of the SA itself.
func IntermediateSKEYSEED(prf PRF, skd, secret, ni, nr []byte) []byte {
	return prf.Sum(skd, secret, ni, nr)
}

// IntAuth returns prf(SK_p, prev | data), one link of the IntAuth chain
// of RFC 9242 §3.3.2: skp is SK_pi for a message of the original
// initiator and SK_pr for one of the responder, both as they were when the
// message was sent; prev is the previous IntAuth of the same side (empty
// for the first) and data the message's IntAuth_A | IntAuth_P
// (wire.AppendIntAuthData).
func IntAuth(prf PRF, skp, prev, data []byte) []byte {
	return prf.Sum(skp, prev, data)
}
