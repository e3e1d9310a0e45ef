package auth

import (
	"crypto"
	"encoding/hex"
	"errors"
	"testing"
)

// The AlgorithmIdentifier encodings of RFC 7427 Appendix A.
func TestAlgorithmIdentifierEncodings(t *testing.T) {
	for _, tc := range []struct {
		alg SignatureAlgorithm
		der string
	}{
		{SignatureAlgorithm{Key: KeyRSA, Hash: crypto.SHA256}, "300d06092a864886f70d01010b0500"},
		{SignatureAlgorithm{Key: KeyRSA, Hash: crypto.SHA384}, "300d06092a864886f70d01010c0500"},
		{SignatureAlgorithm{Key: KeyRSA, Hash: crypto.SHA512}, "300d06092a864886f70d01010d0500"},
		{SignatureAlgorithm{Key: KeyECDSA, Hash: crypto.SHA256}, "300a06082a8648ce3d040302"},
		{SignatureAlgorithm{Key: KeyECDSA, Hash: crypto.SHA384}, "300a06082a8648ce3d040303"},
		{SignatureAlgorithm{Key: KeyECDSA, Hash: crypto.SHA512}, "300a06082a8648ce3d040304"},
		// RSASSA-PSS, SHA-256, MGF1 with SHA-256, salt 32 (RFC 4055 §3.1,
		// with the trailer left at its default).
		{SignatureAlgorithm{Key: KeyRSA, Hash: crypto.SHA256, PSS: true, SaltLength: 32},
			"304106092a864886f70d01010a3034a00f300d06096086480165030402010500a11c301a06092a864886f70d010108300d06096086480165030402010500a203020120"},
	} {
		der, err := MarshalAlgorithmIdentifier(tc.alg)
		if err != nil {
			t.Fatal(err)
		}
		if hex.EncodeToString(der) != tc.der {
			t.Errorf("%v: %x, want %s", tc.alg, der, tc.der)
		}
		back, err := ParseAlgorithmIdentifier(der)
		if err != nil || back != tc.alg {
			t.Errorf("%v: parsed back as %v, %v", tc.alg, back, err)
		}
	}
}

func TestAlgorithmIdentifierRejects(t *testing.T) {
	for _, tc := range []struct {
		name, der string
		want      error
	}{
		{"garbage", "0102", ErrMalformed},
		{"trailing bytes", "300a06082a8648ce3d04030200", ErrMalformed},
		{"sha1WithRSA", "300d06092a864886f70d0101050500", ErrUnsupportedMethod},
		{"PSS with default SHA-1 parameters", "300b06092a864886f70d01010a", ErrUnsupportedMethod},
		{"PSS with SHA-1 parameters", "301a06092a864886f70d01010a300da00b300906052b0e03021a0500", ErrUnsupportedMethod},
		{"PSS with MGF1 over another hash",
			"304106092a864886f70d01010a3034a00f300d06096086480165030402010500a11c301a06092a864886f70d010108300d06096086480165030402020500a203020120",
			ErrUnsupportedMethod},
	} {
		der, _ := hex.DecodeString(tc.der)
		if _, err := ParseAlgorithmIdentifier(der); !errors.Is(err, tc.want) {
			t.Errorf("%s: err = %v, want %v", tc.name, err, tc.want)
		}
	}
	if _, err := MarshalAlgorithmIdentifier(SignatureAlgorithm{Key: KeyECDSA, Hash: crypto.SHA1}); !errors.Is(err, ErrUnsupportedMethod) {
		t.Errorf("ECDSA with SHA-1 encoded: %v", err)
	}
}
