package wire

// VendorID is the Vendor ID payload (RFC 7296 §3.12): an opaque constant a
// sender uses to announce an implementation or a private extension.
type VendorID struct {
	Data []byte
}

// Type returns PayloadVendorID.
func (v *VendorID) Type() PayloadType { return PayloadVendorID }

// AppendBody appends the vendor ID.
func (v *VendorID) AppendBody(b []byte) ([]byte, error) { return append(b, v.Data...), nil }
