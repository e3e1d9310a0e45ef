package wire

// Nonce sizes allowed by RFC 7296 §3.9.
const (
	MinNonceLen = 16
	MaxNonceLen = 256
)

// Nonce is the Nonce payload, Ni or Nr (RFC 7296 §3.9).
type Nonce struct {
	Data []byte
}

// Type returns PayloadNonce.
func (n *Nonce) Type() PayloadType { return PayloadNonce }

// AppendBody appends the nonce; its size must be within MinNonceLen and
// MaxNonceLen.
func (n *Nonce) AppendBody(b []byte) ([]byte, error) {
	if len(n.Data) < MinNonceLen || len(n.Data) > MaxNonceLen {
		return b, invalid("nonce of %d bytes", len(n.Data))
	}
	return append(b, n.Data...), nil
}

func parseNonce(b []byte) (*Nonce, error) {
	if len(b) < MinNonceLen || len(b) > MaxNonceLen {
		return nil, malformed("nonce of %d bytes", len(b))
	}
	return &Nonce{Data: b}, nil
}
