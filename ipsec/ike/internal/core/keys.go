package core

import (
	"io"

	"github.com/espressovpn/espresso/ipsec/ike/keymat"
	"github.com/espressovpn/espresso/ipsec/ike/sk"
	"github.com/espressovpn/espresso/ipsec/suite"
)

// ikeKeys are the keys and SK ciphers of one IKE SA.
type ikeKeys struct {
	prf  keymat.PRF
	keys *keymat.IKEKeys
	// out protects what we send, in what we receive: SK_ei/SK_ai for the
	// original initiator's messages, SK_er/SK_ar for the responder's
	// (RFC 7296 §2.14).
	out, in *sk.Cipher
}

// newIKEKeys derives the keys of an IKE SA from SKEYSEED and builds its
// ciphers; initiator tells whether we are the SA's original initiator.
// rekeyPRF is the old SA's PRF when the SA comes from a rekey, nil else.
func newIKEKeys(c chosen, skeyseed, ni, nr []byte, spii, spir uint64, initiator bool, rekeyPRF *keymat.PRF, rand io.Reader) (*ikeKeys, error) {
	s := keymat.IKESuite{Encr: c.One(suite.TypeEncr), PRF: c.One(suite.TypePRF).ID, Integ: c.One(suite.TypeInteg)}
	var keys *keymat.IKEKeys
	var err error
	if rekeyPRF != nil {
		keys, err = keymat.DeriveRekeyedIKEKeys(*rekeyPRF, s, skeyseed, ni, nr, spii, spir)
	} else {
		keys, err = keymat.DeriveIKEKeys(s, skeyseed, ni, nr, spii, spir)
	}
	if err != nil {
		return nil, err
	}
	prf, err := keymat.NewPRF(s.PRF)
	if err != nil {
		keys.Wipe()
		return nil, err
	}
	ci, err := sk.New(s.Encr, s.Integ, keys.EI, keys.AI, rand)
	if err != nil {
		keys.Wipe()
		return nil, err
	}
	cr, err := sk.New(s.Encr, s.Integ, keys.ER, keys.AR, rand)
	if err != nil {
		ci.Wipe()
		keys.Wipe()
		return nil, err
	}
	k := &ikeKeys{prf: prf, keys: keys, out: ci, in: cr}
	if !initiator {
		k.out, k.in = cr, ci
	}
	return k, nil
}

// wipe overwrites every key of the SA.
func (k *ikeKeys) wipe() {
	if k == nil {
		return
	}
	k.out.Wipe()
	k.in.Wipe()
	k.keys.Wipe()
}

// skp returns our SK_p and the peer's (RFC 7296 §2.15).
func (k *ikeKeys) skp(initiator bool) (ours, theirs []byte) {
	if initiator {
		return k.keys.PI, k.keys.PR
	}
	return k.keys.PR, k.keys.PI
}
