package core

import (
	"crypto/sha1"
	"crypto/x509"
)

// CAHashes is the Certification Authority field of a CERTREQ: the SHA-1 of
// each CA's SubjectPublicKeyInfo (RFC 7296 §3.7).
func CAHashes(cas []*x509.Certificate) []byte {
	var out []byte
	for _, c := range cas {
		h := sha1.Sum(c.RawSubjectPublicKeyInfo)
		out = append(out, h[:]...)
	}
	return out
}
