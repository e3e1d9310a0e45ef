package auth

import (
	"crypto"
	"encoding/asn1"
	"fmt"
)

// KeyType is the public key algorithm a signature algorithm needs.
type KeyType uint8

// Key types of the signature algorithms supported here.
const (
	KeyRSA KeyType = iota + 1
	KeyECDSA
	// KeyEd25519 signs the octets themselves, without a hash (RFC 8420).
	KeyEd25519
)

// SignatureAlgorithm is what an RFC 7427 AlgorithmIdentifier names.
type SignatureAlgorithm struct {
	Key  KeyType
	Hash crypto.Hash
	// PSS selects RSASSA-PSS with MGF1 over Hash (RFC 4055 §3.1) instead
	// of RSASSA-PKCS1-v1_5; SaltLength is then its salt length.
	PSS        bool
	SaltLength int
}

// String names the algorithm the way strongSwan's logs do, for messages.
func (a SignatureAlgorithm) String() string {
	switch {
	case a.Key == KeyRSA && a.PSS:
		return "RSA_EMSA_PSS_" + a.Hash.String()
	case a.Key == KeyRSA:
		return "RSA_EMSA_PKCS1_" + a.Hash.String()
	case a.Key == KeyECDSA:
		return "ECDSA_WITH_" + a.Hash.String() + "_DER"
	case a.Key == KeyEd25519:
		return "ED25519"
	}
	return "unknown signature algorithm"
}

// Object identifiers of RFC 4055, RFC 5758 and RFC 8017 used in RFC 7427
// AlgorithmIdentifiers (RFC 7427 Appendix A).
var (
	oidRSAPKCS1SHA256 = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 11}
	oidRSAPKCS1SHA384 = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 12}
	oidRSAPKCS1SHA512 = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 13}
	oidRSAPSS         = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 10}
	oidMGF1           = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 8}
	oidECDSASHA256    = asn1.ObjectIdentifier{1, 2, 840, 10045, 4, 3, 2}
	oidECDSASHA384    = asn1.ObjectIdentifier{1, 2, 840, 10045, 4, 3, 3}
	oidECDSASHA512    = asn1.ObjectIdentifier{1, 2, 840, 10045, 4, 3, 4}
	oidEd25519        = asn1.ObjectIdentifier{1, 3, 101, 112}
	oidSHA256         = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 1}
	oidSHA384         = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 2}
	oidSHA512         = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 3}
)

var hashOIDs = []struct {
	oid  asn1.ObjectIdentifier
	hash crypto.Hash
}{
	{oidSHA256, crypto.SHA256},
	{oidSHA384, crypto.SHA384},
	{oidSHA512, crypto.SHA512},
}

var fixedAlgs = []struct {
	oid asn1.ObjectIdentifier
	alg SignatureAlgorithm
}{
	{oidRSAPKCS1SHA256, SignatureAlgorithm{Key: KeyRSA, Hash: crypto.SHA256}},
	{oidRSAPKCS1SHA384, SignatureAlgorithm{Key: KeyRSA, Hash: crypto.SHA384}},
	{oidRSAPKCS1SHA512, SignatureAlgorithm{Key: KeyRSA, Hash: crypto.SHA512}},
	{oidECDSASHA256, SignatureAlgorithm{Key: KeyECDSA, Hash: crypto.SHA256}},
	{oidECDSASHA384, SignatureAlgorithm{Key: KeyECDSA, Hash: crypto.SHA384}},
	{oidECDSASHA512, SignatureAlgorithm{Key: KeyECDSA, Hash: crypto.SHA512}},
	// RFC 8420 §2: id-Ed25519 without parameters.
	{oidEd25519, SignatureAlgorithm{Key: KeyEd25519}},
}

type algorithmIdentifier struct {
	Algorithm  asn1.ObjectIdentifier
	Parameters asn1.RawValue `asn1:"optional"`
}

// pssParameters is RSASSA-PSS-params (RFC 4055 §3.1). Every field has a
// default (SHA-1, MGF1 with SHA-1, salt 20, trailer 1), so all are optional.
type pssParameters struct {
	Hash         algorithmIdentifier `asn1:"optional,explicit,tag:0"`
	MGF          algorithmIdentifier `asn1:"optional,explicit,tag:1"`
	SaltLength   int                 `asn1:"optional,explicit,tag:2,default:20"`
	TrailerField int                 `asn1:"optional,explicit,tag:3,default:1"`
}

func hashOID(h crypto.Hash) (asn1.ObjectIdentifier, bool) {
	for _, e := range hashOIDs {
		if e.hash == h {
			return e.oid, true
		}
	}
	return nil, false
}

func hashFromAlgID(a algorithmIdentifier) crypto.Hash {
	for _, e := range hashOIDs {
		if a.Algorithm.Equal(e.oid) {
			return e.hash
		}
	}
	return 0
}

// MarshalAlgorithmIdentifier returns the DER AlgorithmIdentifier of an
// algorithm, as RFC 7427 §3 puts it in the AUTH payload. PKCS#1 v1.5
// identifiers carry NULL parameters and ECDSA ones none (RFC 7427 Appendix
// A); PSS ones carry the hash, MGF1 with the same hash and the salt length.
func MarshalAlgorithmIdentifier(a SignatureAlgorithm) ([]byte, error) {
	if a.PSS && a.Key == KeyRSA {
		h, ok := hashOID(a.Hash)
		if !ok {
			return nil, fmt.Errorf("%w: PSS with %v", ErrUnsupportedMethod, a.Hash)
		}
		hashID := algorithmIdentifier{Algorithm: h, Parameters: asn1.NullRawValue}
		mgfParams, err := asn1.Marshal(hashID)
		if err != nil {
			return nil, err
		}
		params, err := asn1.Marshal(pssParameters{
			Hash:         hashID,
			MGF:          algorithmIdentifier{Algorithm: oidMGF1, Parameters: asn1.RawValue{FullBytes: mgfParams}},
			SaltLength:   a.SaltLength,
			TrailerField: 1,
		})
		if err != nil {
			return nil, err
		}
		return asn1.Marshal(algorithmIdentifier{Algorithm: oidRSAPSS, Parameters: asn1.RawValue{FullBytes: params}})
	}
	for _, e := range fixedAlgs {
		if e.alg == a {
			id := algorithmIdentifier{Algorithm: e.oid}
			if a.Key == KeyRSA {
				id.Parameters = asn1.NullRawValue
			}
			return asn1.Marshal(id)
		}
	}
	return nil, fmt.Errorf("%w: %v", ErrUnsupportedMethod, a)
}

// ParseAlgorithmIdentifier parses a DER AlgorithmIdentifier of an RFC 7427
// signature. Algorithms outside the list of this file, SHA-1 among them,
// fail with ErrUnsupportedMethod.
func ParseAlgorithmIdentifier(der []byte) (SignatureAlgorithm, error) {
	var id algorithmIdentifier
	rest, err := asn1.Unmarshal(der, &id)
	if err != nil || len(rest) != 0 {
		return SignatureAlgorithm{}, fmt.Errorf("%w: AlgorithmIdentifier", ErrMalformed)
	}
	if id.Algorithm.Equal(oidRSAPSS) {
		return parsePSS(id.Parameters.FullBytes)
	}
	for _, e := range fixedAlgs {
		if id.Algorithm.Equal(e.oid) {
			return e.alg, nil
		}
	}
	return SignatureAlgorithm{}, fmt.Errorf("%w: signature algorithm %v", ErrUnsupportedMethod, id.Algorithm)
}

func parsePSS(der []byte) (SignatureAlgorithm, error) {
	p := pssParameters{SaltLength: 20, TrailerField: 1}
	if len(der) == 0 {
		return SignatureAlgorithm{}, fmt.Errorf("%w: RSASSA-PSS with default SHA-1", ErrUnsupportedMethod)
	}
	rest, err := asn1.Unmarshal(der, &p)
	if err != nil || len(rest) != 0 {
		return SignatureAlgorithm{}, fmt.Errorf("%w: RSASSA-PSS parameters", ErrMalformed)
	}
	h := hashFromAlgID(p.Hash)
	if h == 0 {
		return SignatureAlgorithm{}, fmt.Errorf("%w: RSASSA-PSS hash %v", ErrUnsupportedMethod, p.Hash.Algorithm)
	}
	// MGF1 must use the signature's hash; mixing them is legal ASN.1 but
	// nothing sends it and crypto/rsa cannot verify it.
	var mgfHash algorithmIdentifier
	if !p.MGF.Algorithm.Equal(oidMGF1) {
		return SignatureAlgorithm{}, fmt.Errorf("%w: RSASSA-PSS mask generation %v", ErrUnsupportedMethod, p.MGF.Algorithm)
	}
	if rest, err := asn1.Unmarshal(p.MGF.Parameters.FullBytes, &mgfHash); err != nil || len(rest) != 0 {
		return SignatureAlgorithm{}, fmt.Errorf("%w: MGF1 parameters", ErrMalformed)
	}
	if hashFromAlgID(mgfHash) != h {
		return SignatureAlgorithm{}, fmt.Errorf("%w: MGF1 hash differs from the signature hash", ErrUnsupportedMethod)
	}
	if p.TrailerField != 1 || p.SaltLength < 0 {
		return SignatureAlgorithm{}, fmt.Errorf("%w: RSASSA-PSS trailer %d, salt %d", ErrMalformed, p.TrailerField, p.SaltLength)
	}
	return SignatureAlgorithm{Key: KeyRSA, Hash: h, PSS: true, SaltLength: p.SaltLength}, nil
}
