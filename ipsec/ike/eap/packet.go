package eap

import (
	"encoding/binary"
	"fmt"
)

// HeaderLen is the Code, Identifier and Length fields (RFC 3748 §4).
const HeaderLen = 4

// MaxLen is the largest packet the 16-bit Length field can describe.
const MaxLen = 0xffff

// Packet is one EAP packet (RFC 3748 §4). Type and Data exist for Requests
// and Responses only (§4.1); Success and Failure carry neither (§4.2).
type Packet struct {
	Code       Code
	Identifier uint8
	Type       Type
	// Data is the Type-Data. Parse makes it alias the parsed buffer.
	Data []byte
}

// Parse reads one EAP packet. Octets beyond the Length field are padding
// and ignored (RFC 3748 §4.1: "Octets outside the range of the Length field
// should be treated as Data Link Layer padding"); fewer octets than Length
// is an error, as is a Request or Response without a Type.
func Parse(b []byte) (Packet, error) {
	if len(b) < HeaderLen {
		return Packet{}, malformed("%d-byte packet, the header needs %d", len(b), HeaderLen)
	}
	n := int(binary.BigEndian.Uint16(b[2:4]))
	if n < HeaderLen || n > len(b) {
		return Packet{}, malformed("length %d in a %d-byte packet", n, len(b))
	}
	p := Packet{Code: Code(b[0]), Identifier: b[1]}
	switch p.Code {
	case CodeRequest, CodeResponse:
		if n < HeaderLen+1 {
			return Packet{}, malformed("%v without a type", p.Code)
		}
		p.Type = Type(b[4])
		p.Data = b[5:n:n]
	case CodeSuccess, CodeFailure:
		// RFC 3748 §4.2 gives these no Data; some authenticators still
		// pad them, which the Length field makes harmless to ignore.
	default:
		return Packet{}, malformed("unknown code %d", b[0])
	}
	return p, nil
}

// Len returns the encoded length of p.
func (p Packet) Len() int {
	if p.Code == CodeRequest || p.Code == CodeResponse {
		return HeaderLen + 1 + len(p.Data)
	}
	return HeaderLen
}

// Append appends the encoding of p to b. It fails only for a packet whose
// Data exceeds MaxLen.
func (p Packet) Append(b []byte) ([]byte, error) {
	n := p.Len()
	if n > MaxLen {
		return b, fmt.Errorf("eap: %d-byte packet exceeds the Length field", n)
	}
	b = append(b, byte(p.Code), p.Identifier, byte(n>>8), byte(n))
	if p.Code == CodeRequest || p.Code == CodeResponse {
		b = append(b, byte(p.Type))
		b = append(b, p.Data...)
	}
	return b, nil
}

// Marshal returns the encoding of p.
func (p Packet) Marshal() ([]byte, error) {
	return p.Append(make([]byte, 0, p.Len()))
}

// ExpandedHeaderLen is the Vendor-Id and Vendor-Type fields that follow
// Type 254 (RFC 3748 §5.7).
const ExpandedHeaderLen = 7

// ParseExpanded splits the Type-Data of an Expanded Type (RFC 3748 §5.7)
// into its 24-bit Vendor-Id, 32-bit Vendor-Type and the vendor data.
func ParseExpanded(data []byte) (vendorID, vendorType uint32, rest []byte, err error) {
	if len(data) < ExpandedHeaderLen {
		return 0, 0, nil, malformed("expanded type with %d bytes, needs %d", len(data), ExpandedHeaderLen)
	}
	vendorID = uint32(data[0])<<16 | uint32(data[1])<<8 | uint32(data[2])
	return vendorID, binary.BigEndian.Uint32(data[3:7]), data[7:], nil
}

// AppendExpanded appends the Vendor-Id (its low 24 bits) and Vendor-Type of
// an Expanded Type.
func AppendExpanded(b []byte, vendorID, vendorType uint32) []byte {
	b = append(b, byte(vendorID>>16), byte(vendorID>>8), byte(vendorID))
	return binary.BigEndian.AppendUint32(b, vendorType)
}
