package wire

import "fmt"

// CertEncoding is the Cert Encoding of CERT and CERTREQ payloads (RFC 7296
// §3.6).
type CertEncoding uint8

// Certificate encodings (RFC 7296 §3.6, RFC 4806, RFC 7670).
const (
	CertPKCS7             CertEncoding = 1
	CertPGP               CertEncoding = 2
	CertDNSSignedKey      CertEncoding = 3
	CertX509Signature     CertEncoding = 4
	CertKerberos          CertEncoding = 6
	CertCRL               CertEncoding = 7
	CertARL               CertEncoding = 8
	CertSPKI              CertEncoding = 9
	CertX509Attribute     CertEncoding = 10
	CertHashURLX509       CertEncoding = 12
	CertHashURLX509Bundle CertEncoding = 13
	CertOCSPContent       CertEncoding = 14 // RFC 4806
	CertRawPublicKey      CertEncoding = 15 // RFC 7670
)

// certEncodingHeaderSize is the Cert Encoding octet that starts CERT and
// CERTREQ bodies.
const certEncodingHeaderSize = 1

// String returns the RFC name of the encoding.
func (e CertEncoding) String() string {
	switch e {
	case CertX509Signature:
		return "X.509 Certificate - Signature"
	case CertCRL:
		return "Certificate Revocation List"
	case CertHashURLX509:
		return "Hash and URL of X.509 certificate"
	case CertHashURLX509Bundle:
		return "Hash and URL of X.509 bundle"
	case CertOCSPContent:
		return "OCSP Content"
	case CertRawPublicKey:
		return "Raw Public Key"
	}
	return fmt.Sprintf("CERT_ENCODING(%d)", uint8(e))
}

// Certificate is the Certificate payload (RFC 7296 §3.6). For
// CertX509Signature, Data is one DER-encoded certificate.
type Certificate struct {
	Encoding CertEncoding
	Data     []byte
}

// Type returns PayloadCERT.
func (c *Certificate) Type() PayloadType { return PayloadCERT }

// AppendBody appends the encoding and the data.
func (c *Certificate) AppendBody(b []byte) ([]byte, error) {
	return append(append(b, byte(c.Encoding)), c.Data...), nil
}

func parseCertificate(b []byte) (*Certificate, error) {
	if len(b) < certEncodingHeaderSize {
		return nil, truncated("CERT payload", certEncodingHeaderSize, len(b))
	}
	return &Certificate{Encoding: CertEncoding(b[0]), Data: b[1:]}, nil
}
