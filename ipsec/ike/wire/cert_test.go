package wire

import (
	"testing"

	"github.com/espressovpn/espresso/ipsec/ike/internal/kat"
)

func TestCertificateRoundTrip(t *testing.T) {
	der := kat.Certificate(t, "gw.crt").Raw
	got := roundTrip(t, &Certificate{Encoding: CertX509Signature, Data: der}, append([]byte{4}, der...)).(*Certificate)
	if got.Encoding.String() != "X.509 Certificate - Signature" {
		t.Errorf("encoding %v", got.Encoding)
	}
	roundTrip(t, &Certificate{Encoding: CertHashURLX509}, []byte{12})
	parseErrors(t, PayloadCERT, ErrTruncated, nil)
}

func FuzzCertificate(f *testing.F) { fuzzBody(f, PayloadCERT) }
