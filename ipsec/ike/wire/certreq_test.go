package wire

import (
	"bytes"
	"errors"
	"testing"
)

func TestCertificateRequestRoundTrip(t *testing.T) {
	h1, h2 := bytes.Repeat([]byte{1}, CAHashLen), bytes.Repeat([]byte{2}, CAHashLen)
	cr := &CertificateRequest{Encoding: CertX509Signature, Authorities: append(h1, h2...)}
	got := roundTrip(t, cr, append([]byte{4}, cr.Authorities...)).(*CertificateRequest)
	hs, err := got.CAHashes()
	if err != nil || len(hs) != 2 || !bytes.Equal(hs[0], h1) || !bytes.Equal(hs[1], h2) {
		t.Errorf("CAHashes() = %x, %v", hs, err)
	}
	if hs, err := (&CertificateRequest{Encoding: CertX509Signature}).CAHashes(); err != nil || len(hs) != 0 {
		t.Errorf("empty CERTREQ: %x, %v", hs, err)
	}
	if _, err := (&CertificateRequest{Authorities: h1[1:]}).CAHashes(); !errors.Is(err, ErrMalformed) {
		t.Errorf("19-byte authorities: %v", err)
	}
	parseErrors(t, PayloadCERTREQ, ErrTruncated, nil)
}

func FuzzCertificateRequest(f *testing.F) { fuzzBody(f, PayloadCERTREQ) }
