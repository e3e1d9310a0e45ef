package wire

import "fmt"

// ProtocolID names the protocol an SA, SPI or notify refers to (RFC 7296
// §3.3.1, §3.10, §3.11).
type ProtocolID uint8

// Protocol IDs (RFC 7296 §3.3.1).
const (
	ProtocolNone ProtocolID = 0 // in a Notify without SPI, §3.10
	ProtocolIKE  ProtocolID = 1
	ProtocolAH   ProtocolID = 2
	ProtocolESP  ProtocolID = 3
)

// String returns the protocol's name.
func (p ProtocolID) String() string {
	switch p {
	case ProtocolNone:
		return "NONE"
	case ProtocolIKE:
		return "IKE"
	case ProtocolAH:
		return "AH"
	case ProtocolESP:
		return "ESP"
	}
	return fmt.Sprintf("PROTOCOL(%d)", uint8(p))
}
