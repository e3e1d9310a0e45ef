// Package suite is the one registry of IPsec algorithm names and IANA transform
// IDs, shared by the IKEv2 control plane and the ESP data path, together with the
// constructors of the crypto primitives those transforms name.
//
// Names follow strongSwan's proposal keywords so profiles written for strongSwan
// work unchanged; IDs are those of the IANA "Internet Key Exchange Version 2
// (IKEv2) Parameters" registry (RFC 7296 §3.3.2).
package suite

import "fmt"

// TransformType is an IKEv2 transform type (RFC 7296 §3.3.2).
type TransformType uint8

// Transform types (RFC 7296 §3.3.2). Type 4 was called "Diffie-Hellman group"
// before RFC 9370 renamed it "Key Exchange Method".
const (
	TypeEncr  TransformType = 1
	TypePRF   TransformType = 2
	TypeInteg TransformType = 3
	TypeKE    TransformType = 4
	TypeESN   TransformType = 5
)

// Additional key exchange transform types ADDKE1 to ADDKE7 (RFC 9370 §2.2.1,
// §3): each names a key exchange run after the one of TypeKE, in
// IKE_INTERMEDIATE or IKE_FOLLOWUP_KE exchanges, in the order of the types.
const (
	TypeAddKE1 TransformType = 6
	TypeAddKE7 TransformType = 12
)

// MaxAddKE is the number of additional key exchange types (RFC 9370 §2.2.1).
const MaxAddKE = int(TypeAddKE7 - TypeAddKE1 + 1)

// TypeAddKE returns the transform type ADDKEn, n from 1 to 7.
func TypeAddKE(n int) TransformType { return TypeAddKE1 + TransformType(n-1) }

// AddKEIndex returns n for the type ADDKEn, and 0 for any other type.
func (t TransformType) AddKEIndex() int {
	if t >= TypeAddKE1 && t <= TypeAddKE7 {
		return int(t-TypeAddKE1) + 1
	}
	return 0
}

// IsKE tells whether t carries key exchange methods: the key exchange type
// or one of the additional ones (RFC 9370 §2.2.1).
func (t TransformType) IsKE() bool { return t == TypeKE || t.AddKEIndex() != 0 }

// String returns the RFC 7296 abbreviation of the transform type.
func (t TransformType) String() string {
	switch t {
	case TypeEncr:
		return "ENCR"
	case TypePRF:
		return "PRF"
	case TypeInteg:
		return "INTEG"
	case TypeKE:
		return "KE"
	case TypeESN:
		return "ESN"
	}
	if n := t.AddKEIndex(); n != 0 {
		return fmt.Sprintf("ADDKE%d", n)
	}
	return fmt.Sprintf("TYPE(%d)", uint8(t))
}

// TransformID is a transform ID within its TransformType (IANA registry).
type TransformID uint16

// Encryption algorithm IDs (transform type 1).
const (
	EncrAESCBC           TransformID = 12 // RFC 3602
	EncrAESGCM16         TransformID = 20 // RFC 4106, 16-byte ICV
	EncrChaCha20Poly1305 TransformID = 28 // RFC 7634
)

// Pseudorandom function IDs (transform type 2), RFC 4868.
const (
	PRFHMACSHA2_256 TransformID = 5
	PRFHMACSHA2_384 TransformID = 6
	PRFHMACSHA2_512 TransformID = 7
)

// Integrity algorithm IDs (transform type 3), RFC 4868.
const (
	IntegHMACSHA2_256_128 TransformID = 12
	IntegHMACSHA2_384_192 TransformID = 13
	IntegHMACSHA2_512_256 TransformID = 14
)

// Key exchange method IDs (transform type 4). KENone offered in an ESP
// proposal's list makes PFS optional: the responder may choose it and
// skip the key exchange of a CREATE_CHILD_SA (RFC 7296 §3.3.2, §3.3.3).
const (
	KENone          TransformID = 0
	GroupMODP2048   TransformID = 14 // RFC 3526 §3
	GroupMODP3072   TransformID = 15 // RFC 3526 §4
	GroupECP256     TransformID = 19 // RFC 5903
	GroupECP384     TransformID = 20 // RFC 5903
	GroupCurve25519 TransformID = 31 // RFC 8031
	// ML-KEM (FIPS 203) as IKEv2 key exchange methods, with the values of
	// draft-ietf-ipsecme-ikev2-mlkem that strongSwan 6 uses. ML-KEM-512 is
	// named for messages only: the standard library does not implement it.
	KEMLKEM512  TransformID = 35
	KEMLKEM768  TransformID = 36
	KEMLKEM1024 TransformID = 37
)

// Extended sequence number IDs (transform type 5), RFC 7296 §3.3.2.
const (
	ESNNo  TransformID = 0
	ESNYes TransformID = 1
)

// Transform is one transform of a proposal. KeyBits is the value of the Key
// Length attribute (RFC 7296 §3.3.5), or 0 when the transform carries none.
type Transform struct {
	Type    TransformType
	ID      TransformID
	KeyBits int
}

// String returns the strongSwan keyword of the transform, e.g. "aes256gcm16",
// "prfsha384", "x25519", "sha256" or "esn". Transforms outside the registry
// print as "TYPE(id)" so that logs still show what a peer sent.
func (t Transform) String() string {
	if a, ok := lookupAlg(t); ok {
		return a.name
	}
	if n := t.Type.AddKEIndex(); n != 0 {
		if a, ok := lookupAlg(Transform{Type: TypeKE, ID: t.ID}); ok {
			return fmt.Sprintf("ke%d_%s", n, a.name)
		}
	}
	if t.KeyBits != 0 {
		return fmt.Sprintf("%s(%d,%d)", t.Type, t.ID, t.KeyBits)
	}
	return fmt.Sprintf("%s(%d)", t.Type, t.ID)
}
