package wire

import "encoding/binary"

// Payload is one IKEv2 payload. Type is the payload type that goes in the
// previous Next Payload field; AppendBody appends what follows the generic
// payload header (RFC 7296 §3.2), which Message.AppendTo and AppendPayloads
// write around it.
type Payload interface {
	Type() PayloadType
	AppendBody(b []byte) ([]byte, error)
}

// criticalBit is the C bit of the generic payload header (RFC 7296 §3.2).
const criticalBit = 0x80

// parseBody decodes the body of one payload of type t. next is the payload's
// own Next Payload field, which for SK and SKF names the first inner payload.
//
// Per RFC 7296 §2.5 a payload type this package does not implement is kept as
// Unknown when its critical bit is clear, and rejects the message when set.
// For implemented types the bit is ignored, as §3.2 asks.
func parseBody(t, next PayloadType, critical bool, body []byte) (Payload, error) {
	switch t {
	case PayloadSA:
		return parseSecurityAssociation(body)
	case PayloadKE:
		return parseKeyExchange(body)
	case PayloadIDi:
		id, err := parseIdentity(body)
		return &IDi{id}, err
	case PayloadIDr:
		id, err := parseIdentity(body)
		return &IDr{id}, err
	case PayloadCERT:
		return parseCertificate(body)
	case PayloadCERTREQ:
		return parseCertificateRequest(body)
	case PayloadAUTH:
		return parseAuthentication(body)
	case PayloadNonce:
		return parseNonce(body)
	case PayloadNotify:
		return parseNotify(body)
	case PayloadDelete:
		return parseDelete(body)
	case PayloadVendorID:
		return &VendorID{Data: body}, nil
	case PayloadTSi:
		ts, err := parseSelectors(body)
		return &TSi{Selectors: ts}, err
	case PayloadTSr:
		ts, err := parseSelectors(body)
		return &TSr{Selectors: ts}, err
	case PayloadSK:
		return &Encrypted{FirstPayload: next, Data: body}, nil
	case PayloadCP:
		return parseConfiguration(body)
	case PayloadEAP:
		return parseEAP(body)
	case PayloadSKF:
		return parseEncryptedFragment(next, body)
	}
	if critical {
		return nil, &UnsupportedCriticalPayloadError{Type: t}
	}
	return &Unknown{PayloadType: t, Data: body}, nil
}

// appendPayload appends one payload with its generic header, next being the
// value of the header's Next Payload field.
func appendPayload(b []byte, p Payload, next PayloadType) ([]byte, error) {
	start := len(b)
	flags := byte(0)
	if u, ok := p.(*Unknown); ok && u.Critical {
		flags = criticalBit
	}
	b = append(b, byte(next), flags, 0, 0)
	b, err := p.AppendBody(b)
	if err != nil {
		return b[:start], err
	}
	n := len(b) - start
	if n > maxPayloadLen {
		return b[:start], invalid("%v payload of %d bytes", p.Type(), n)
	}
	binary.BigEndian.PutUint16(b[start+2:], uint16(n))
	return b, nil
}

// innerFirst returns the Next Payload value of the SK or SKF payload p, which
// names its first inner payload (RFC 7296 §3.14, RFC 7383 §2.5).
func innerFirst(p Payload) (PayloadType, bool) {
	switch p := p.(type) {
	case *Encrypted:
		return p.FirstPayload, true
	case *EncryptedFragment:
		return p.FirstPayload, true
	}
	return PayloadNone, false
}
