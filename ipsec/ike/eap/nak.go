package eap

// NakData returns the Type-Data of a Legacy Nak (RFC 3748 §5.3.1): the
// method types we would accept instead, or the single type 0 when there is
// none.
func NakData(offered []Type) []byte {
	var d []byte
	for _, t := range offered {
		if t.isMethod() && t != TypeExpanded {
			d = append(d, byte(t))
		}
	}
	if len(d) == 0 {
		return []byte{0}
	}
	return d
}

// ExpandedNakData returns the Type-Data of an Expanded Nak (RFC 3748
// §5.3.2), the answer to a Request of the Expanded Type: Vendor-Id 0 and
// Vendor-Type 3, then each acceptable method as an expanded type with the
// IETF Vendor-Id 0, or one all-zero entry when there is none.
func ExpandedNakData(offered []Type) []byte {
	d := AppendExpanded(nil, 0, uint32(TypeNak))
	n := 0
	for _, t := range offered {
		if t.isMethod() && t != TypeExpanded {
			d = append(d, byte(TypeExpanded))
			d = AppendExpanded(d, 0, uint32(t))
			n++
		}
	}
	if n == 0 {
		d = append(d, 0)
		d = AppendExpanded(d, 0, 0)
	}
	return d
}

// ParseNak returns the types a Legacy Nak proposes (the authenticator's
// view, used by the test authenticators and the fuzz target).
func ParseNak(data []byte) ([]Type, error) {
	if len(data) == 0 {
		return nil, malformed("empty Nak")
	}
	var out []Type
	for _, b := range data {
		if b != 0 {
			out = append(out, Type(b))
		}
	}
	return out, nil
}
