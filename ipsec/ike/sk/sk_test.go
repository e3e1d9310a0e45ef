package sk

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/sha256"
	"errors"
	mrand "math/rand/v2"
	"testing"

	"github.com/espressovpn/espresso/ipsec/suite"
)

type suiteCase struct {
	name        string
	encr, integ suite.Transform
}

func integ(id suite.TransformID) suite.Transform {
	return suite.Transform{Type: suite.TypeInteg, ID: id}
}

func encr(id suite.TransformID, bits int) suite.Transform {
	return suite.Transform{Type: suite.TypeEncr, ID: id, KeyBits: bits}
}

var allSuites = []suiteCase{
	{"aes128gcm16", encr(suite.EncrAESGCM16, 128), suite.Transform{}},
	{"aes256gcm16", encr(suite.EncrAESGCM16, 256), suite.Transform{}},
	{"chacha20poly1305", encr(suite.EncrChaCha20Poly1305, 0), suite.Transform{}},
	{"aes128-sha256", encr(suite.EncrAESCBC, 128), integ(suite.IntegHMACSHA2_256_128)},
	{"aes192-sha384", encr(suite.EncrAESCBC, 192), integ(suite.IntegHMACSHA2_384_192)},
	{"aes256-sha512", encr(suite.EncrAESCBC, 256), integ(suite.IntegHMACSHA2_512_256)},
}

// newPair returns a sealing and an opening Cipher sharing random keys.
func newPair(t testing.TB, s suiteCase, seed byte) (*Cipher, *Cipher) {
	t.Helper()
	rng := mrand.NewChaCha8([32]byte{seed})
	n, _ := suite.EncrKeyMatLen(s.encr)
	ek := make([]byte, n)
	rng.Read(ek)
	var ik []byte
	if !suite.IsAEAD(s.encr) {
		ik = make([]byte, suite.IntegKeyLen(s.integ.ID))
		rng.Read(ik)
	}
	a, err := New(s.encr, s.integ, ek, ik, rng)
	if err != nil {
		t.Fatal(err)
	}
	b, err := New(s.encr, s.integ, ek, ik, nil)
	if err != nil {
		t.Fatal(err)
	}
	return a, b
}

// head returns an IKE header and SK generic header with made-up contents.
func head() []byte {
	h := make([]byte, 32)
	for i := range h {
		h[i] = byte(i * 7)
	}
	return h
}

func TestRoundTripAllSuites(t *testing.T) {
	for _, s := range allSuites {
		t.Run(s.name, func(t *testing.T) {
			seal, open := newPair(t, s, 1)
			for n := 0; n <= 70; n++ {
				pt := bytes.Repeat([]byte{byte(n)}, n)
				h := head()
				msg, err := seal.Seal(h, pt)
				if err != nil {
					t.Fatal(err)
				}
				body := msg[len(h):]
				if len(body) != seal.BodyLen(n) {
					t.Fatalf("n=%d: body %d bytes, BodyLen says %d", n, len(body), seal.BodyLen(n))
				}
				if !bytes.Equal(msg[:len(h)], head()) {
					t.Fatal("Seal changed the head")
				}
				got, err := open.Open(msg[:len(h)], body)
				if err != nil {
					t.Fatalf("n=%d: %v", n, err)
				}
				if !bytes.Equal(got, pt) {
					t.Fatalf("n=%d: plaintext mismatch", n)
				}
			}
		})
	}
}

// Any change to the authenticated head, the IV, the ciphertext or the ICV
// fails the integrity check (RFC 7296 §3.14, RFC 5282 §5.1).
func TestTamperingDetected(t *testing.T) {
	for _, s := range allSuites {
		t.Run(s.name, func(t *testing.T) {
			seal, open := newPair(t, s, 2)
			h := head()
			msg, err := seal.Seal(h, []byte("inner payloads"))
			if err != nil {
				t.Fatal(err)
			}
			for i := range msg {
				m := bytes.Clone(msg)
				m[i] ^= 0x40
				if _, err := open.Open(m[:len(h)], m[len(h):]); !errors.Is(err, ErrIntegrity) {
					t.Fatalf("flip at %d: err = %v, want ErrIntegrity", i, err)
				}
			}
		})
	}
}

func TestTruncatedBodyMalformed(t *testing.T) {
	for _, s := range allSuites {
		t.Run(s.name, func(t *testing.T) {
			seal, open := newPair(t, s, 3)
			msg, err := seal.Seal(head(), nil)
			if err != nil {
				t.Fatal(err)
			}
			body := msg[32:]
			for n := 0; n < len(body); n++ {
				_, err := open.Open(msg[:32], body[:n])
				if !errors.Is(err, ErrMalformed) && !errors.Is(err, ErrIntegrity) {
					t.Fatalf("%d-byte body: err = %v", n, err)
				}
			}
			// The shortest body of an empty plaintext opens.
			if _, err := open.Open(msg[:32], body); err != nil {
				t.Fatal(err)
			}
		})
	}
}

// RFC 5282 §3.1: an explicit IV is never reused under one key.
func TestAEADIVsDiffer(t *testing.T) {
	seal, _ := newPair(t, allSuites[0], 4)
	seen := map[string]bool{}
	for range 100 {
		msg, err := seal.Seal(head(), []byte("x"))
		if err != nil {
			t.Fatal(err)
		}
		iv := string(msg[32 : 32+suite.AEADIVLen])
		if seen[iv] {
			t.Fatal("explicit IV repeated")
		}
		seen[iv] = true
	}
	seal.iv.Store(^uint64(0))
	if _, err := seal.Seal(head(), nil); !errors.Is(err, ErrIVExhausted) {
		t.Fatalf("err = %v, want ErrIVExhausted", err)
	}
}

// The CBC body is built as RFC 7296 §3.14 draws it: IV from the random
// source, plaintext | padding | pad length encrypted in CBC mode, then the
// truncated HMAC over the whole message. Checked here with the standard
// library directly.
func TestCBCLayout(t *testing.T) {
	ek, ik := bytes.Repeat([]byte{1}, 16), bytes.Repeat([]byte{2}, 32)
	ivs := bytes.Repeat([]byte{9}, 16)
	c, err := New(encr(suite.EncrAESCBC, 128), integ(suite.IntegHMACSHA2_256_128), ek, ik, bytes.NewReader(ivs))
	if err != nil {
		t.Fatal(err)
	}
	pt := []byte("twenty bytes of data")
	msg, err := c.Seal(head(), pt)
	if err != nil {
		t.Fatal(err)
	}
	body := msg[32:]
	if !bytes.Equal(body[:16], ivs) {
		t.Fatal("IV not taken from the random source")
	}
	ct := body[16 : len(body)-16]
	if len(ct) != 32 {
		t.Fatalf("ciphertext of %d bytes, want 32", len(ct))
	}
	b, _ := aes.NewCipher(ek)
	dec := make([]byte, len(ct))
	cipher.NewCBCDecrypter(b, ivs).CryptBlocks(dec, ct)
	want := append(append(bytes.Clone(pt), make([]byte, 11)...), 11)
	if !bytes.Equal(dec, want) {
		t.Fatal("padded plaintext mismatch")
	}
	m := hmac.New(sha256.New, ik)
	m.Write(msg[:len(msg)-16])
	if !bytes.Equal(body[len(body)-16:], m.Sum(nil)[:16]) {
		t.Fatal("ICV mismatch")
	}
	if _, err := c.Seal(head(), pt); err == nil {
		t.Fatal("Seal succeeded with an exhausted random source")
	}
}

// A body with a correct ICV whose pad length exceeds the plaintext is
// malformed, not an integrity failure.
func TestCBCBadPadLength(t *testing.T) {
	ek, ik := bytes.Repeat([]byte{1}, 16), bytes.Repeat([]byte{2}, 32)
	c, err := New(encr(suite.EncrAESCBC, 128), integ(suite.IntegHMACSHA2_256_128), ek, ik, nil)
	if err != nil {
		t.Fatal(err)
	}
	iv := make([]byte, 16)
	pt := make([]byte, 16)
	pt[15] = 16 // pad length 16 in a 16-byte plaintext
	b, _ := aes.NewCipher(ek)
	ct := make([]byte, 16)
	cipher.NewCBCEncrypter(b, iv).CryptBlocks(ct, pt)
	msg := append(append(head(), iv...), ct...)
	m := hmac.New(sha256.New, ik)
	m.Write(msg)
	msg = append(msg, m.Sum(nil)[:16]...)
	if _, err := c.Open(msg[:32], msg[32:]); !errors.Is(err, ErrMalformed) {
		t.Fatalf("err = %v, want ErrMalformed", err)
	}
}

func TestNewRejectsBadParameters(t *testing.T) {
	gcm := encr(suite.EncrAESGCM16, 128)
	cbc := encr(suite.EncrAESCBC, 128)
	sha := integ(suite.IntegHMACSHA2_256_128)
	for i, tc := range []struct {
		encr, integ suite.Transform
		ek, ik      []byte
	}{
		{gcm, sha, make([]byte, 20), make([]byte, 32)},
		{gcm, suite.Transform{}, make([]byte, 16), nil},
		{cbc, sha, make([]byte, 16), make([]byte, 31)},
		{cbc, suite.Transform{}, make([]byte, 16), nil},
		{cbc, sha, make([]byte, 20), make([]byte, 32)},
		{encr(3, 0), sha, make([]byte, 24), make([]byte, 32)},
	} {
		if _, err := New(tc.encr, tc.integ, tc.ek, tc.ik, nil); err == nil {
			t.Errorf("case %d accepted", i)
		}
	}
}

func TestWipe(t *testing.T) {
	for _, s := range allSuites {
		c, _ := newPair(t, s, 5)
		c.Wipe()
		for _, b := range [][]byte{c.salt, c.integKey} {
			if !bytes.Equal(b, make([]byte, len(b))) {
				t.Fatalf("%s: key material survived Wipe", s.name)
			}
		}
	}
}

func TestPartLengths(t *testing.T) {
	for _, s := range allSuites {
		c, _ := newPair(t, s, 8)
		wantIV, wantICV := 8, 16 // RFC 5282 §3, RFC 7634 §2
		if !suite.IsAEAD(s.encr) {
			wantIV, wantICV = 16, suite.IntegICVLen(s.integ.ID) // RFC 3602 §3, RFC 4868 §2.1.1
		}
		if c.IVLen() != wantIV || c.ICVLen() != wantICV {
			t.Errorf("%s: IV %d, ICV %d; want %d, %d", s.name, c.IVLen(), c.ICVLen(), wantIV, wantICV)
		}
	}
}
