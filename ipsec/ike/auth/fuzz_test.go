package auth

import (
	"crypto"
	"testing"

	"github.com/espressovpn/espresso/ipsec/ike/internal/kat"
	"github.com/espressovpn/espresso/ipsec/ike/wire"
)

// FuzzVerify feeds arbitrary AUTH data to Verify with the gateway's real
// key, seeded with its signature from the certificate capture. It must never
// panic, and nothing but the real signature may verify.
func FuzzVerify(f *testing.F) {
	cert := kat.Values(f, "cert")
	msgs := kat.IKEMessages(f, "cert")
	ps := openAuth(f, cert["sk_er"], msgs[4:6])
	auth := kat.Find(f, ps, kat.AUTH)
	gw := kat.Certificate(f, "gw.crt")
	octets := cert["octets_r"]
	f.Add(auth[0], auth[4:])
	f.Add(byte(wire.AuthECDSASHA256P256), make([]byte, 64))
	f.Add(byte(wire.AuthRSASignature), make([]byte, 384))
	_, eks := testKeys(f)
	f.Fuzz(func(t *testing.T, method byte, data []byte) {
		err := Verify(gw.PublicKey, wire.AuthMethod(method), octets, data)
		if err == nil && (wire.AuthMethod(method) != wire.AuthDigitalSignature || string(data) != string(auth[4:])) {
			t.Fatalf("method %d: forged data accepted", method)
		}
		if err := Verify(eks["P-256"].Public(), wire.AuthMethod(method), octets, data); err == nil {
			t.Fatal("ECDSA key accepted data never signed with it")
		}
	})
}

// FuzzParseAlgorithmIdentifier: parsing never panics, and what parses
// encodes back to something that parses the same.
func FuzzParseAlgorithmIdentifier(f *testing.F) {
	for _, a := range []SignatureAlgorithm{
		{Key: KeyRSA, Hash: crypto.SHA256}, {Key: KeyECDSA, Hash: crypto.SHA384},
		{Key: KeyRSA, Hash: crypto.SHA512, PSS: true, SaltLength: 64},
	} {
		if der, err := MarshalAlgorithmIdentifier(a); err == nil {
			f.Add(der)
		}
	}
	f.Add([]byte{0x30, 0x0a, 0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x02})
	f.Fuzz(func(t *testing.T, der []byte) {
		a, err := ParseAlgorithmIdentifier(der)
		if err != nil {
			return
		}
		again, err := MarshalAlgorithmIdentifier(a)
		if err != nil {
			t.Fatalf("%v parsed but does not encode: %v", a, err)
		}
		b, err := ParseAlgorithmIdentifier(again)
		if err != nil || a != b {
			t.Fatalf("%v re-parsed as %v, %v", a, b, err)
		}
	})
}

// FuzzMatchCertificateDN feeds arbitrary ID_DER_ASN1_DN data, as a peer's ID
// payload carries it, to the identity checks. They must never panic, and
// only the certificate's own subject may match it.
func FuzzMatchCertificateDN(f *testing.F) {
	gw := kat.Certificate(f, "gw.crt")
	f.Add(gw.RawSubject)
	f.Add([]byte{0x30, 0x00})
	f.Fuzz(func(t *testing.T, der []byte) {
		id := wire.DNIdentity(der)
		if MatchCertificate(id, gw) == nil && MatchIdentity(wire.DNIdentity(gw.RawSubject), id) != nil {
			t.Fatal("certificate and identity checks disagree")
		}
	})
}
