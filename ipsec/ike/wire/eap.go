package wire

import "encoding/binary"

// eapHeaderLen is the Code, Identifier and Length fields of an EAP packet
// (RFC 3748 §4).
const eapHeaderLen = 4

// EAP is the Extensible Authentication payload (RFC 7296 §3.16): one EAP
// packet (RFC 3748 §4), which this package frames but does not interpret.
type EAP struct {
	Packet []byte
}

// EAP codes (RFC 3748 §4).
const (
	EAPRequest  = 1
	EAPResponse = 2
	EAPSuccess  = 3
	EAPFailure  = 4
)

// Type returns PayloadEAP.
func (e *EAP) Type() PayloadType { return PayloadEAP }

// AppendBody appends the EAP packet, whose Length field must match its size.
func (e *EAP) AppendBody(b []byte) ([]byte, error) {
	if err := checkEAP(e.Packet); err != nil {
		return b, invalid("EAP packet: %v", err)
	}
	return append(b, e.Packet...), nil
}

// Code returns the EAP code, or 0 for a packet too short to hold one.
func (e *EAP) Code() uint8 {
	if len(e.Packet) < eapHeaderLen {
		return 0
	}
	return e.Packet[0]
}

// Identifier returns the EAP identifier, or 0 for a packet too short to hold
// one.
func (e *EAP) Identifier() uint8 {
	if len(e.Packet) < eapHeaderLen {
		return 0
	}
	return e.Packet[1]
}

// checkEAP checks that p holds one EAP packet whose Length field is its size
// (RFC 3748 §4.1).
func checkEAP(p []byte) error {
	if len(p) < eapHeaderLen {
		return truncated("EAP packet", eapHeaderLen, len(p))
	}
	if n := int(binary.BigEndian.Uint16(p[2:4])); n != len(p) {
		return malformed("EAP length %d in a %d-byte payload", n, len(p))
	}
	return nil
}

func parseEAP(b []byte) (*EAP, error) {
	if err := checkEAP(b); err != nil {
		return nil, err
	}
	return &EAP{Packet: b}, nil
}
