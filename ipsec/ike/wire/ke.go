package wire

import (
	"encoding/binary"

	"github.com/espressovpn/espresso/ipsec/suite"
)

// KeyExchange is the Key Exchange payload (RFC 7296 §3.4): the sender's public
// value for the key exchange method Group (a transform ID of type KE).
type KeyExchange struct {
	Group suite.TransformID
	Data  []byte
}

// Type returns PayloadKE.
func (ke *KeyExchange) Type() PayloadType { return PayloadKE }

// AppendBody appends the group number, the reserved field and the data.
func (ke *KeyExchange) AppendBody(b []byte) ([]byte, error) {
	b = binary.BigEndian.AppendUint16(b, uint16(ke.Group))
	b = append(b, 0, 0)
	return append(b, ke.Data...), nil
}

func parseKeyExchange(b []byte) (*KeyExchange, error) {
	if len(b) < 4 {
		return nil, truncated("KE payload", 4, len(b))
	}
	return &KeyExchange{Group: suite.TransformID(binary.BigEndian.Uint16(b[0:2])), Data: b[4:]}, nil
}
