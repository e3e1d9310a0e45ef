package keymat

import (
	"fmt"

	"github.com/espressovpn/espresso/ipsec/suite"
)

// ChildSuite is the part of a negotiated ESP proposal that shapes the keys.
// Integ is the zero Transform for an AEAD.
type ChildSuite struct {
	Encr  suite.Transform
	Integ suite.Transform
}

// DirectionKeys are the keys of one direction of a Child SA. For an AEAD
// Encr holds the cipher key followed by the 4-byte salt (RFC 4106 §8.1,
// RFC 7634 §2; split it with suite.SplitAEADKey) and Integ is empty.
type DirectionKeys struct {
	Encr  []byte
	Integ []byte
}

// ChildKeys are the keys of a Child SA pair, named after the initiator and
// responder of the exchange that created the SA (IKE_AUTH or
// CREATE_CHILD_SA), not of the IKE SA (RFC 7296 §2.17).
type ChildKeys struct {
	InitiatorToResponder DirectionKeys
	ResponderToInitiator DirectionKeys
}

// DeriveChildKeys computes KEYMAT = prf+(SK_d, Ni | Nr), or with PFS
// KEYMAT = prf+(SK_d, g^ir(new) | Ni | Nr), and splits it per RFC 7296
// §2.17: encryption then integrity key from initiator to responder, then the
// same for the other direction. gir is nil when no KE payloads were
// exchanged. prf is the IKE SA's PRF. add are the shared secrets of the
// additional key exchanges of a rekey (RFC 9370 §2.2.4), which follow the
// nonces as strongSwan puts them: prf+(SK_d, g^ir | Ni | Nr | SK(1) ...).
func DeriveChildKeys(prf PRF, skd []byte, s ChildSuite, gir, ni, nr []byte, add ...[]byte) (*ChildKeys, error) {
	encr, ok := suite.EncrKeyMatLen(s.Encr)
	if !ok {
		return nil, fmt.Errorf("keymat: unsupported encryption transform %v", s.Encr)
	}
	integ := 0
	switch {
	case suite.IsAEAD(s.Encr) && s.Integ.ID != 0:
		return nil, fmt.Errorf("keymat: integrity transform %v with AEAD %v", s.Integ, s.Encr)
	case !suite.IsAEAD(s.Encr):
		if integ = suite.IntegKeyLen(s.Integ.ID); integ == 0 {
			return nil, fmt.Errorf("keymat: unsupported integrity transform %v", s.Integ)
		}
	}
	seed := make([]byte, 0, len(gir)+len(ni)+len(nr))
	seed = append(append(append(seed, gir...), ni...), nr...)
	for _, a := range add {
		seed = append(seed, a...)
	}
	km, err := prf.Plus(skd, seed, 2*(encr+integ))
	clear(seed)
	if err != nil {
		return nil, err
	}
	ks := keyStream(km)
	c := &ChildKeys{}
	c.InitiatorToResponder.Encr = ks.next(encr)
	c.InitiatorToResponder.Integ = ks.next(integ)
	c.ResponderToInitiator.Encr = ks.next(encr)
	c.ResponderToInitiator.Integ = ks.next(integ)
	return c, nil
}

// Outbound returns the keys this side sends with; initiator tells whether
// this side initiated the exchange that created the SA.
func (c *ChildKeys) Outbound(initiator bool) DirectionKeys {
	if initiator {
		return c.InitiatorToResponder
	}
	return c.ResponderToInitiator
}

// Inbound returns the keys this side receives with.
func (c *ChildKeys) Inbound(initiator bool) DirectionKeys {
	return c.Outbound(!initiator)
}

// Wipe overwrites every key; the ChildKeys must not be used afterwards.
func (c *ChildKeys) Wipe() {
	if c == nil {
		return
	}
	for _, d := range []DirectionKeys{c.InitiatorToResponder, c.ResponderToInitiator} {
		clear(d.Encr)
		clear(d.Integ)
	}
}
