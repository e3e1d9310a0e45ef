package wire

import (
	"encoding/binary"

	"github.com/espressovpn/espresso/ipsec/suite"
)

// Transform is a Transform substructure of a proposal (RFC 7296 §3.3.2).
type Transform struct {
	Type       suite.TransformType
	ID         suite.TransformID
	Attributes []Attribute
}

// AttributeType is the type of a transform attribute (RFC 7296 §3.3.5),
// without the Attribute Format bit.
type AttributeType uint16

// AttrKeyLength is the Key Length attribute, in bits, of variable-key-length
// ciphers (RFC 7296 §3.3.5); it is the only attribute RFC 7296 defines.
const AttrKeyLength AttributeType = 14

// Attribute is a transform attribute (RFC 7296 §3.3.5). With TV set it is
// the short form whose value is the 16-bit Value; otherwise it is the
// type/length/value form whose value is Data.
type Attribute struct {
	Type  AttributeType
	TV    bool
	Value uint16
	Data  []byte
}

// attributeFormat is the AF bit: set for the TV form (RFC 7296 §3.3.5).
const attributeFormat = 0x8000

// KeyLengthAttribute returns a Key Length attribute of bits bits.
func KeyLengthAttribute(bits uint16) Attribute {
	return Attribute{Type: AttrKeyLength, TV: true, Value: bits}
}

// TransformFrom returns the wire form of a registry transform, with a Key
// Length attribute when it has a key size.
func TransformFrom(t suite.Transform) Transform {
	w := Transform{Type: t.Type, ID: t.ID}
	if t.KeyBits != 0 {
		w.Attributes = []Attribute{KeyLengthAttribute(uint16(t.KeyBits))}
	}
	return w
}

// KeyBits returns the value of the Key Length attribute and whether the
// transform has one.
func (t *Transform) KeyBits() (int, bool) {
	for _, a := range t.Attributes {
		if a.Type == AttrKeyLength && a.TV {
			return int(a.Value), true
		}
	}
	return 0, false
}

// Suite returns the registry form of the transform. Attributes other than the
// key length are dropped: RFC 7296 §3.3.6 makes a transform with an unknown
// attribute unacceptable, which HasUnknownAttributes lets the caller check.
func (t *Transform) Suite() suite.Transform {
	bits, _ := t.KeyBits()
	return suite.Transform{Type: t.Type, ID: t.ID, KeyBits: bits}
}

// HasUnknownAttributes reports whether the transform carries an attribute
// other than a TV Key Length; RFC 7296 §3.3.6 says to reject such a
// transform.
func (t *Transform) HasUnknownAttributes() bool {
	for _, a := range t.Attributes {
		if a.Type != AttrKeyLength || !a.TV {
			return true
		}
	}
	return false
}

func (t *Transform) appendTo(b []byte, last bool) ([]byte, error) {
	start := len(b)
	mark := byte(moreTransforms)
	if last {
		mark = lastSubstruc
	}
	b = append(b, mark, 0, 0, 0, byte(t.Type), 0)
	b = binary.BigEndian.AppendUint16(b, uint16(t.ID))
	for _, a := range t.Attributes {
		if a.Type&attributeFormat != 0 {
			return b[:start], invalid("attribute type %d", a.Type)
		}
		if a.TV {
			b = binary.BigEndian.AppendUint16(b, uint16(a.Type)|attributeFormat)
			b = binary.BigEndian.AppendUint16(b, a.Value)
			continue
		}
		if len(a.Data) > 0xffff {
			return b[:start], invalid("attribute of %d bytes", len(a.Data))
		}
		b = binary.BigEndian.AppendUint16(b, uint16(a.Type))
		b = binary.BigEndian.AppendUint16(b, uint16(len(a.Data)))
		b = append(b, a.Data...)
	}
	if len(b)-start > 0xffff {
		return b[:start], invalid("transform of %d bytes", len(b)-start)
	}
	binary.BigEndian.PutUint16(b[start+2:], uint16(len(b)-start))
	return b, nil
}

// parseTransform parses one transform substructure, b being exactly its
// length.
func parseTransform(b []byte) (Transform, error) {
	t := Transform{Type: suite.TransformType(b[4]), ID: suite.TransformID(binary.BigEndian.Uint16(b[6:8]))}
	for b = b[transformMinLen:]; len(b) > 0; {
		if len(b) < 4 {
			return t, truncated("transform attribute", 4, len(b))
		}
		typ := binary.BigEndian.Uint16(b[0:2])
		a := Attribute{Type: AttributeType(typ &^ attributeFormat), TV: typ&attributeFormat != 0}
		if a.TV {
			a.Value = binary.BigEndian.Uint16(b[2:4])
			b = b[4:]
		} else {
			n := int(binary.BigEndian.Uint16(b[2:4]))
			if 4+n > len(b) {
				return t, truncated("transform attribute", 4+n, len(b))
			}
			a.Data, b = b[4:4+n], b[4+n:]
		}
		t.Attributes = append(t.Attributes, a)
	}
	return t, nil
}
