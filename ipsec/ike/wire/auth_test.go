package wire

import "testing"

func TestAuthenticationRoundTrip(t *testing.T) {
	roundTrip(t, &Authentication{Method: AuthSharedKeyMIC, Data: []byte{0xaa, 0xbb}}, hexBytes("02000000 aabb"))
	roundTrip(t, &Authentication{Method: AuthDigitalSignature}, hexBytes("0e000000"))
	parseErrors(t, PayloadAUTH, ErrTruncated, nil, hexBytes("020000"))
	if AuthDigitalSignature.String() != "Digital Signature" || AuthMethod(200).String() != "AUTH_METHOD(200)" {
		t.Error("method names")
	}
}

func FuzzAuthentication(f *testing.F) { fuzzBody(f, PayloadAUTH) }
