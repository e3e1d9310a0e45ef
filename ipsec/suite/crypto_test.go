package suite

import (
	"bytes"
	"crypto/hmac"
	"encoding/hex"
	"testing"
)

func TestAEADKeyLen(t *testing.T) {
	tests := []struct {
		t         Transform
		key, salt int
		ok        bool
	}{
		{Transform{TypeEncr, EncrAESGCM16, 128}, 16, 4, true},
		{Transform{TypeEncr, EncrAESGCM16, 256}, 32, 4, true},
		{Transform{TypeEncr, EncrChaCha20Poly1305, 0}, 32, 4, true},
		{Transform{TypeEncr, EncrAESGCM16, 100}, 0, 0, false},
		{Transform{TypeEncr, EncrAESCBC, 128}, 0, 0, false},
	}
	for _, tt := range tests {
		k, s, ok := AEADKeyLen(tt.t)
		if k != tt.key || s != tt.salt || ok != tt.ok {
			t.Errorf("AEADKeyLen(%v) = %d, %d, %v", tt.t, k, s, ok)
		}
		if ok {
			a, err := NewAEAD(tt.t, make([]byte, k))
			if err != nil {
				t.Errorf("NewAEAD(%v): %v", tt.t, err)
			} else if a.NonceSize() != AEADSaltLen+AEADIVLen || a.Overhead() != AEADICVLen {
				t.Errorf("NewAEAD(%v): nonce %d overhead %d", tt.t, a.NonceSize(), a.Overhead())
			}
			if _, err := NewAEAD(tt.t, make([]byte, k+1)); err == nil {
				t.Errorf("NewAEAD(%v) accepted a wrong key length", tt.t)
			}
		}
	}
}

func TestSplitAEADKey(t *testing.T) {
	tr := Transform{TypeEncr, EncrAESGCM16, 128}
	km := make([]byte, 20)
	for i := range km {
		km[i] = byte(i)
	}
	k, s, err := SplitAEADKey(tr, km)
	if err != nil || !bytes.Equal(k, km[:16]) || !bytes.Equal(s, km[16:]) {
		t.Fatalf("SplitAEADKey: %v", err)
	}
	if _, _, err := SplitAEADKey(tr, km[:19]); err == nil {
		t.Fatal("short key material accepted")
	}
}

// TestIntegKAT checks HMAC-SHA-256-128, -384-192 and -512-256 against RFC 4868
// §2.7.2.1-3 (test case AUTH256-1, AUTH384-1, AUTH512-1).
func TestIntegKAT(t *testing.T) {
	data := []byte("Hi There")
	tests := []struct {
		id        TransformID
		keyByte   byte
		wantTrunc string
	}{
		{IntegHMACSHA2_256_128, 0x0b, "198a607eb44bfbc69903a0f1cf2bbdc5"},
		{IntegHMACSHA2_384_192, 0x0b, "b6a8d5636f5c6a7224f9977dcf7ee6c7fb6d0c48cbdee973"},
		{IntegHMACSHA2_512_256, 0x0b, "637edc6e01dce7e6742a99451aae82df23da3e92439e590e43e761b33e910fb8"},
	}
	for _, tt := range tests {
		key := bytes.Repeat([]byte{tt.keyByte}, IntegKeyLen(tt.id))
		m := hmac.New(NewIntegHash(tt.id), key)
		m.Write(data)
		got := hex.EncodeToString(m.Sum(nil)[:IntegICVLen(tt.id)])
		if got != tt.wantTrunc {
			t.Errorf("integ %d: got %s want %s", tt.id, got, tt.wantTrunc)
		}
	}
}

func TestPRF(t *testing.T) {
	for id, n := range map[TransformID]int{PRFHMACSHA2_256: 32, PRFHMACSHA2_384: 48, PRFHMACSHA2_512: 64} {
		if PRFKeyLen(id) != n {
			t.Errorf("PRFKeyLen(%d) = %d", id, PRFKeyLen(id))
		}
	}
	if _, err := PRFHash(2); err == nil {
		t.Error("PRF 2 (HMAC-SHA1) accepted")
	}
}

func TestEncrKeyMatLen(t *testing.T) {
	for tr, n := range map[Transform]int{
		{TypeEncr, EncrAESCBC, 256}:         32,
		{TypeEncr, EncrAESGCM16, 256}:       36,
		{TypeEncr, EncrChaCha20Poly1305, 0}: 36,
	} {
		if got, ok := EncrKeyMatLen(tr); !ok || got != n {
			t.Errorf("EncrKeyMatLen(%v) = %d, %v", tr, got, ok)
		}
	}
}
