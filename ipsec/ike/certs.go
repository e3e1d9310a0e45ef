package ike

import (
	"crypto/sha1"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"net/netip"
	"slices"
	"strings"
	"time"

	"github.com/espressovpn/espresso/ipsec/ike/wire"
)

// verifyChain checks the peer's certificates, leaf first, against the
// configured CAs at time now. Further certificates serve as intermediates.
func verifyChain(certs []*x509.Certificate, cas []*x509.Certificate, now time.Time) error {
	if len(certs) == 0 {
		return &CertificateError{Err: errNoCert}
	}
	roots, inter := x509.NewCertPool(), x509.NewCertPool()
	for _, c := range cas {
		roots.AddCert(c)
	}
	for _, c := range certs[1:] {
		inter.AddCert(c)
	}
	_, err := certs[0].Verify(x509.VerifyOptions{
		Roots:         roots,
		Intermediates: inter,
		CurrentTime:   now,
		KeyUsages:     []x509.ExtKeyUsage{x509.ExtKeyUsageAny},
	})
	if err != nil {
		return &CertificateError{Err: err}
	}
	return nil
}

type certErr string

func (e certErr) Error() string { return string(e) }

const errNoCert = certErr("the peer sent no certificate")

// certHolds reports whether cert certifies the identity: as a subject
// alternative name for FQDN, e-mail and address identities, as the subject
// for a DN (compared attribute by attribute, so string encodings do not
// matter), as strongSwan does.
func certHolds(cert *x509.Certificate, id wire.Identity) bool {
	switch id.IDType {
	case wire.IDFQDN:
		return slices.ContainsFunc(cert.DNSNames, func(n string) bool { return strings.EqualFold(n, string(id.Data)) })
	case wire.IDRFC822:
		return slices.ContainsFunc(cert.EmailAddresses, func(n string) bool { return strings.EqualFold(n, string(id.Data)) })
	case wire.IDIPv4Addr, wire.IDIPv6Addr:
		a, _ := id.Addr()
		for _, ip := range cert.IPAddresses {
			if b, ok := netip.AddrFromSlice(ip); ok && b.Unmap() == a.Unmap() {
				return true
			}
		}
	case wire.IDDERASN1DN:
		return sameDN(cert.RawSubject, id.Data)
	}
	return false
}

// sameDN compares two DER distinguished names attribute by attribute.
func sameDN(a, b []byte) bool {
	var ra, rb pkix.RDNSequence
	if r, err := asn1.Unmarshal(a, &ra); err != nil || len(r) != 0 {
		return false
	}
	if r, err := asn1.Unmarshal(b, &rb); err != nil || len(r) != 0 {
		return false
	}
	if len(ra) != len(rb) {
		return false
	}
	for i := range ra {
		if len(ra[i]) != len(rb[i]) {
			return false
		}
		for j := range ra[i] {
			if !ra[i][j].Type.Equal(rb[i][j].Type) || ra[i][j].Value != rb[i][j].Value {
				return false
			}
		}
	}
	return true
}

// caHashes is the Certification Authority field of a CERTREQ: the SHA-1 of
// each CA's SubjectPublicKeyInfo (RFC 7296 §3.7).
func caHashes(cas []*x509.Certificate) []byte {
	var out []byte
	for _, c := range cas {
		h := sha1.Sum(c.RawSubjectPublicKeyInfo)
		out = append(out, h[:]...)
	}
	return out
}

// localIdentity is the identity we send: the configured one, else the
// certificate's subject, else our address.
func localIdentity(cfg *Config, local netip.Addr) wire.Identity {
	switch {
	case cfg.LocalID.IDType != 0:
		return cfg.LocalID
	case cfg.LocalAuth == AuthCert && len(cfg.Cert) > 0:
		return wire.DNIdentity(cfg.Cert[0].RawSubject)
	}
	return wire.AddrIdentity(local)
}
