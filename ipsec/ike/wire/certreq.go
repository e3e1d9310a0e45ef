package wire

// CAHashLen is the size of one entry of a CERTREQ's Certification Authority
// field for X.509 encodings: the SHA-1 hash of a trust anchor's
// SubjectPublicKeyInfo (RFC 7296 §3.7).
const CAHashLen = 20

// CertificateRequest is the Certificate Request payload (RFC 7296 §3.7).
// Authorities is the Certification Authority field: for CertX509Signature a
// concatenation of CAHashLen-byte hashes, possibly empty.
type CertificateRequest struct {
	Encoding    CertEncoding
	Authorities []byte
}

// Type returns PayloadCERTREQ.
func (c *CertificateRequest) Type() PayloadType { return PayloadCERTREQ }

// AppendBody appends the encoding and the authorities.
func (c *CertificateRequest) AppendBody(b []byte) ([]byte, error) {
	return append(append(b, byte(c.Encoding)), c.Authorities...), nil
}

// CAHashes splits Authorities into its CAHashLen-byte hashes; they alias the
// payload. It fails with ErrMalformed when the length is not a multiple of
// CAHashLen, which RFC 7296 §3.7 requires for X.509 encodings.
func (c *CertificateRequest) CAHashes() ([][]byte, error) {
	if len(c.Authorities)%CAHashLen != 0 {
		return nil, malformed("CERTREQ authorities of %d bytes", len(c.Authorities))
	}
	hs := make([][]byte, 0, len(c.Authorities)/CAHashLen)
	for a := c.Authorities; len(a) > 0; a = a[CAHashLen:] {
		hs = append(hs, a[:CAHashLen:CAHashLen])
	}
	return hs, nil
}

func parseCertificateRequest(b []byte) (*CertificateRequest, error) {
	if len(b) < certEncodingHeaderSize {
		return nil, truncated("CERTREQ payload", certEncodingHeaderSize, len(b))
	}
	return &CertificateRequest{Encoding: CertEncoding(b[0]), Authorities: b[1:]}, nil
}
