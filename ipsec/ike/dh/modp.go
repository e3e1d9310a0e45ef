package dh

import (
	"fmt"
	"io"
	"math/big"

	"github.com/espressovpn/espresso/ipsec/suite"
)

// The MODP primes of RFC 3526; both groups use generator 2.
const (
	// RFC 3526 §3, 2048-bit MODP group (14).
	modp2048Hex = "FFFFFFFFFFFFFFFFC90FDAA22168C234C4C6628B80DC1CD1" +
		"29024E088A67CC74020BBEA63B139B22514A08798E3404DD" +
		"EF9519B3CD3A431B302B0A6DF25F14374FE1356D6D51C245" +
		"E485B576625E7EC6F44C42E9A637ED6B0BFF5CB6F406B7ED" +
		"EE386BFB5A899FA5AE9F24117C4B1FE649286651ECE45B3D" +
		"C2007CB8A163BF0598DA48361C55D39A69163FA8FD24CF5F" +
		"83655D23DCA3AD961C62F356208552BB9ED529077096966D" +
		"670C354E4ABC9804F1746C08CA18217C32905E462E36CE3B" +
		"E39E772C180E86039B2783A2EC07A28FB5C55DF06F4C52C9" +
		"DE2BCBF6955817183995497CEA956AE515D2261898FA0510" +
		"15728E5A8AACAA68FFFFFFFFFFFFFFFF"
)

var (
	// RFC 3526 §4, 3072-bit MODP group (15): it shares its first 1984
	// bits with the 2048-bit prime.
	modp3072Hex = modp2048Hex[:len(modp2048Hex)-32] +
		"15728E5A8AAAC42DAD33170D04507A33A85521ABDF1CBA64" +
		"ECFB850458DBEF0A8AEA71575D060C7DB3970F85A6E1E4C7" +
		"ABF5AE8CDB0933D71E8C94E04A25619DCEE3D2261AD2EE6B" +
		"F12FFA06D98A0864D87602733EC86A64521F2B18177B200C" +
		"BBE117577A615D6C770988C0BAD946E208E24FA074E5AB31" +
		"43DB5BFCE0FD108E4B82D120A93AD2CAFFFFFFFFFFFFFFFF"

	modp2048 = mustPrime(modp2048Hex)
	modp3072 = mustPrime(modp3072Hex)
	two      = big.NewInt(2)
)

func mustPrime(h string) *big.Int {
	p, ok := new(big.Int).SetString(h, 16)
	if !ok {
		panic("dh: bad built-in prime")
	}
	return p
}

func primeOf(group suite.TransformID) *big.Int {
	switch group {
	case suite.GroupMODP2048:
		return modp2048
	case suite.GroupMODP3072:
		return modp3072
	}
	return nil
}

// modpKey is a key of a finite-field group of RFC 3526.
type modpKey struct {
	group  suite.TransformID
	p      *big.Int
	x      *big.Int // private exponent
	public []byte
}

// generateMODP picks a private exponent x uniformly in [2, p-2]: a full-size
// exponent costs a few milliseconds per exchange and needs no argument about
// short-exponent security.
func generateMODP(group suite.TransformID, rand io.Reader) (*modpKey, error) {
	p := primeOf(group)
	buf := make([]byte, (p.BitLen()+7)/8)
	defer clear(buf)
	if _, err := io.ReadFull(rand, buf); err != nil {
		return nil, fmt.Errorf("dh: reading random exponent: %w", err)
	}
	// Reducing a value as long as p modulo p-3 leaves a bias of at most
	// 2^-2040, far below anything observable.
	x := new(big.Int).SetBytes(buf)
	pm3 := new(big.Int).Sub(p, big.NewInt(3))
	x.Mod(x, pm3)
	x.Add(x, two)
	return newMODP(group, x), nil
}

func newMODP(group suite.TransformID, x *big.Int) *modpKey {
	p := primeOf(group)
	y := new(big.Int).Exp(two, x, p)
	return &modpKey{group: group, p: p, x: x, public: fixedBytes(y, p)}
}

// fixedBytes encodes v big-endian, left-padded to the length of p, as RFC
// 7296 §3.4 wants for the KE data and §2.14 for g^ir.
func fixedBytes(v, p *big.Int) []byte {
	return v.FillBytes(make([]byte, (p.BitLen()+7)/8))
}

func (k *modpKey) Group() suite.TransformID { return k.group }

func (k *modpKey) PublicKey() []byte { return k.public }

func (k *modpKey) SharedSecret(peer []byte) ([]byte, error) {
	if k.x == nil {
		return nil, ErrZeroized
	}
	if want := PublicKeyLen(k.group); len(peer) != want {
		return nil, &InvalidPublicKeyError{Group: k.group, Reason: fmt.Sprintf("length %d, want %d", len(peer), want)}
	}
	// RFC 6989 §2.1: a public value must satisfy 1 < y < p-1; 0, 1 and
	// p-1 would confine the shared secret to a tiny subgroup.
	y := new(big.Int).SetBytes(peer)
	pm1 := new(big.Int).Sub(k.p, big.NewInt(1))
	if y.Cmp(big.NewInt(1)) <= 0 || y.Cmp(pm1) >= 0 {
		return nil, &InvalidPublicKeyError{Group: k.group, Reason: "out of range 1 < y < p-1"}
	}
	s := new(big.Int).Exp(y, k.x, k.p)
	out := fixedBytes(s, k.p)
	zeroInt(s)
	return out, nil
}

func (k *modpKey) Zero() {
	if k.x != nil {
		zeroInt(k.x)
		k.x = nil
	}
}

// zeroInt overwrites the words backing v; big.Int has no method for it.
func zeroInt(v *big.Int) {
	w := v.Bits()
	clear(w)
	v.SetInt64(0)
}
