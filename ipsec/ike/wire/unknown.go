package wire

// Unknown is a payload whose type this package does not implement and whose
// critical bit is clear. RFC 7296 §2.5 says to skip it; the parser keeps it so
// that a message re-encodes unchanged and a log can name it.
type Unknown struct {
	PayloadType PayloadType
	Critical    bool
	Data        []byte
}

// Type returns the payload's type.
func (u *Unknown) Type() PayloadType { return u.PayloadType }

// AppendBody appends the payload's data.
func (u *Unknown) AppendBody(b []byte) ([]byte, error) { return append(b, u.Data...), nil }
