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
	if t.KeyBits != 0 {
		return fmt.Sprintf("%s(%d,%d)", t.Type, t.ID, t.KeyBits)
	}
	return fmt.Sprintf("%s(%d)", t.Type, t.ID)
}
