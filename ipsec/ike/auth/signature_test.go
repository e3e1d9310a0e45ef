package auth

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha1"
	"encoding/hex"
	"errors"
	"strings"
	"sync"
	"testing"

	"github.com/espressovpn/espresso/ipsec/ike/wire"
)

var (
	keysOnce sync.Once
	rsaKey   *rsa.PrivateKey
	ecKeys   map[string]*ecdsa.PrivateKey
)

func testKeys(t testing.TB) (*rsa.PrivateKey, map[string]*ecdsa.PrivateKey) {
	t.Helper()
	keysOnce.Do(func() {
		var err error
		if rsaKey, err = rsa.GenerateKey(rand.Reader, 2048); err != nil {
			panic(err)
		}
		ecKeys = map[string]*ecdsa.PrivateKey{}
		for name, c := range map[string]elliptic.Curve{"P-256": elliptic.P256(), "P-384": elliptic.P384(), "P-521": elliptic.P521()} {
			if ecKeys[name], err = ecdsa.GenerateKey(c, rand.Reader); err != nil {
				panic(err)
			}
		}
	})
	return rsaKey, ecKeys
}

var octets = []byte("message | nonce | prf(SK_p, IDx')")

func TestSignVerifyRoundTrip(t *testing.T) {
	rk, eks := testKeys(t)
	type tc struct {
		name   string
		key    crypto.Signer
		method wire.AuthMethod
		opts   SignOptions
	}
	cases := []tc{
		{"ecdsa-256 method 9", eks["P-256"], wire.AuthECDSASHA256P256, SignOptions{}},
		{"ecdsa-384 method 10", eks["P-384"], wire.AuthECDSASHA384P384, SignOptions{}},
		{"ecdsa-521 method 11", eks["P-521"], wire.AuthECDSASHA512P521, SignOptions{}},
	}
	for _, h := range []crypto.Hash{crypto.SHA256, crypto.SHA384, crypto.SHA512} {
		cases = append(cases,
			tc{"rsa pkcs1 " + h.String(), rk, wire.AuthDigitalSignature, SignOptions{Hash: h}},
			tc{"rsa pss " + h.String(), rk, wire.AuthDigitalSignature, SignOptions{Hash: h, PSS: true}},
			tc{"ecdsa " + h.String(), eks["P-256"], wire.AuthDigitalSignature, SignOptions{Hash: h}},
		)
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			data, err := Sign(rand.Reader, c.key, c.method, c.opts, octets)
			if err != nil {
				t.Fatal(err)
			}
			if err := Verify(c.key.Public(), c.method, octets, data); err != nil {
				t.Fatal(err)
			}
			if err := Verify(c.key.Public(), c.method, []byte("other octets"), data); !errors.Is(err, ErrAuthFailed) {
				t.Fatalf("other octets: err = %v, want ErrAuthFailed", err)
			}
			other := crypto.PublicKey(&rk.PublicKey)
			if c.key == crypto.Signer(rk) {
				other = eks["P-256"].Public()
			}
			if err := Verify(other, c.method, octets, data); !errors.Is(err, ErrAuthFailed) {
				t.Fatalf("other key: err = %v, want ErrAuthFailed", err)
			}
			if c.method == wire.AuthDigitalSignature {
				alg, err := ParseAlgorithmIdentifier(data[1 : 1+int(data[0])])
				if err != nil || alg.Hash != c.opts.Hash || alg.PSS != c.opts.PSS {
					t.Fatalf("signed with %v, err %v", alg, err)
				}
			}
		})
	}
}

// RFC 4754 §7: the ECDSA methods carry r | s, each as long as the curve's
// order, and the key must be on the method's curve.
func TestECDSAMethodFormat(t *testing.T) {
	_, eks := testKeys(t)
	data, err := Sign(rand.Reader, eks["P-384"], wire.AuthECDSASHA384P384, SignOptions{}, octets)
	if err != nil {
		t.Fatal(err)
	}
	if len(data) != 96 {
		t.Fatalf("signature of %d octets, want 96", len(data))
	}
	if _, err := Sign(rand.Reader, eks["P-256"], wire.AuthECDSASHA384P384, SignOptions{}, octets); !errors.Is(err, ErrUnsupportedMethod) {
		t.Fatalf("wrong curve: err = %v", err)
	}
	if err := Verify(eks["P-256"].Public(), wire.AuthECDSASHA384P384, octets, data); !errors.Is(err, ErrAuthFailed) {
		t.Fatalf("wrong curve: err = %v", err)
	}
	if err := Verify(eks["P-384"].Public(), wire.AuthECDSASHA384P384, octets, data[:95]); !errors.Is(err, ErrMalformed) {
		t.Fatalf("short signature: err = %v", err)
	}
}

// Method 1 (RSA with SHA-1, RFC 7296 §3.8) is PKCS#1 v1.5 over the SHA-1 of
// the octets, for peers without RFC 7427 (RFC 8247 §3.2 keeps it a MUST).
func TestLegacyRSAMethod(t *testing.T) {
	rk, _ := testKeys(t)
	d := sha1.Sum(octets)
	sig, err := rsa.SignPKCS1v15(rand.Reader, rk, crypto.SHA1, d[:])
	if err != nil {
		t.Fatal(err)
	}
	if err := Verify(&rk.PublicKey, wire.AuthRSASignature, octets, sig); err != nil {
		t.Fatal(err)
	}
	sig[0] ^= 1
	if err := Verify(&rk.PublicKey, wire.AuthRSASignature, octets, sig); !errors.Is(err, ErrAuthFailed) {
		t.Fatalf("err = %v, want ErrAuthFailed", err)
	}
	ours, err := Sign(rand.Reader, rk, wire.AuthRSASignature, SignOptions{}, octets)
	if err != nil {
		t.Fatal(err)
	}
	if err := rsa.VerifyPKCS1v15(&rk.PublicKey, crypto.SHA1, d[:], ours); err != nil {
		t.Fatalf("method 1 signature is not PKCS#1 v1.5 over SHA-1: %v", err)
	}
	_, eks := testKeys(t)
	if _, err := Sign(rand.Reader, eks["P-256"], wire.AuthRSASignature, SignOptions{}, octets); !errors.Is(err, ErrUnsupportedMethod) {
		t.Fatalf("method 1 with an ECDSA key: err = %v", err)
	}
	if err := Verify(&rk.PublicKey, wire.AuthSharedKeyMIC, octets, sig); !errors.Is(err, ErrUnsupportedMethod) {
		t.Fatalf("shared key via Verify: err = %v", err)
	}
}

func TestDigitalSignatureMalformed(t *testing.T) {
	rk, _ := testKeys(t)
	for _, data := range [][]byte{nil, {0}, {15, 0x30}, {200, 1, 2, 3}} {
		if err := Verify(&rk.PublicKey, wire.AuthDigitalSignature, octets, data); !errors.Is(err, ErrMalformed) {
			t.Errorf("%x: err = %v, want ErrMalformed", data, err)
		}
	}
	// sha1WithRSAEncryption is well-formed but refused.
	sha1RSA, _ := hex.DecodeString("300d06092a864886f70d0101050500")
	data := append([]byte{byte(len(sha1RSA))}, sha1RSA...)
	if err := Verify(&rk.PublicKey, wire.AuthDigitalSignature, octets, append(data, 1, 2, 3)); !errors.Is(err, ErrUnsupportedMethod) {
		t.Errorf("SHA-1: err = %v, want ErrUnsupportedMethod", err)
	}
}

// RFC 8420: Ed25519 signs the octets themselves under the Identity hash,
// with the AlgorithmIdentifier id-Ed25519 (RFC 8420 §2, Appendix A).
func TestEd25519(t *testing.T) {
	_, key, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	data, err := Sign(rand.Reader, key, wire.AuthDigitalSignature, SignOptions{}, octets)
	if err != nil {
		t.Fatal(err)
	}
	if want := "07 300506032b6570"; hex.EncodeToString(data[:8]) != strings.ReplaceAll(want, " ", "") {
		t.Fatalf("AlgorithmIdentifier %x, want %s", data[:8], want)
	}
	if !ed25519.Verify(key.Public().(ed25519.PublicKey), octets, data[8:]) {
		t.Fatal("not an Ed25519 signature of the octets")
	}
	if err := Verify(key.Public(), wire.AuthDigitalSignature, octets, data); err != nil {
		t.Fatal(err)
	}
	if err := Verify(key.Public(), wire.AuthDigitalSignature, []byte("other"), data); !errors.Is(err, ErrAuthFailed) {
		t.Fatalf("other octets: err = %v", err)
	}
}

func TestChoose(t *testing.T) {
	rk, eks := testKeys(t)
	_, edKey, _ := ed25519.GenerateKey(rand.Reader)
	all := []wire.HashAlgorithm{wire.HashSHA2_256, wire.HashSHA2_384, wire.HashSHA2_512, wire.HashIdentity}
	for _, tc := range []struct {
		name   string
		key    crypto.PublicKey
		peer   []wire.HashAlgorithm
		method wire.AuthMethod
		hash   crypto.Hash
	}{
		{"rsa rfc7427", &rk.PublicKey, all, wire.AuthDigitalSignature, crypto.SHA256},
		{"rsa sha512 only", &rk.PublicKey, []wire.HashAlgorithm{wire.HashSHA2_512}, wire.AuthDigitalSignature, crypto.SHA512},
		{"rsa legacy", &rk.PublicKey, nil, wire.AuthRSASignature, 0},
		{"p384 rfc7427", eks["P-384"].Public(), all, wire.AuthDigitalSignature, crypto.SHA384},
		{"p384 legacy", eks["P-384"].Public(), []wire.HashAlgorithm{wire.HashSHA2_256}, wire.AuthECDSASHA384P384, 0},
		{"p256 legacy", eks["P-256"].Public(), nil, wire.AuthECDSASHA256P256, 0},
		{"ed25519", edKey.Public(), all, wire.AuthDigitalSignature, 0},
	} {
		m, opts, err := Choose(tc.key, tc.peer, false)
		if err != nil || m != tc.method || opts.Hash != tc.hash {
			t.Errorf("%s: %v %v %v, want %v %v", tc.name, m, opts.Hash, err, tc.method, tc.hash)
		}
	}
	if _, _, err := Choose(edKey.Public(), []wire.HashAlgorithm{wire.HashSHA2_256}, false); !errors.Is(err, ErrUnsupportedMethod) {
		t.Fatalf("Ed25519 without the Identity hash: err = %v", err)
	}
}

// TestCheckMethodRefusesSHA1Downgrade: RSA with SHA-1 (method 1) passes
// only from a peer that announced no RFC 7427 hash algorithms.
func TestCheckMethodRefusesSHA1Downgrade(t *testing.T) {
	announced := []wire.HashAlgorithm{wire.HashSHA2_256}
	if err := CheckMethod(wire.AuthRSASignature, announced); !errors.Is(err, ErrUnsupportedMethod) {
		t.Errorf("method 1 after RFC 7427 hashes: %v", err)
	}
	for _, m := range []wire.AuthMethod{wire.AuthDigitalSignature, wire.AuthECDSASHA256P256} {
		if err := CheckMethod(m, announced); err != nil {
			t.Errorf("%v: %v", m, err)
		}
	}
	if err := CheckMethod(wire.AuthRSASignature, nil); err != nil {
		t.Errorf("method 1 from a peer without RFC 7427: %v", err)
	}
}
