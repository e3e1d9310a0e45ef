package wire

import "testing"

func TestVendorIDRoundTrip(t *testing.T) {
	// strongSwan's vendor ID: the MD5 hash of "strongSwan".
	v := hexBytes("882fe56d6fd20dbc2251613b2ebe5beb")
	roundTrip(t, &VendorID{Data: v}, v)
	roundTrip(t, &VendorID{}, []byte{})
}

func FuzzVendorID(f *testing.F) { fuzzBody(f, PayloadVendorID) }
