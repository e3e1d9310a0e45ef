package wire

import (
	"encoding/binary"
	"fmt"
)

// ConfigType is the CFG Type of a Configuration payload (RFC 7296 §3.15).
type ConfigType uint8

// Configuration payload types (RFC 7296 §3.15).
const (
	CFGRequest ConfigType = 1
	CFGReply   ConfigType = 2
	CFGSet     ConfigType = 3
	CFGAck     ConfigType = 4
)

// String returns the RFC name of the configuration type.
func (t ConfigType) String() string {
	switch t {
	case CFGRequest:
		return "CFG_REQUEST"
	case CFGReply:
		return "CFG_REPLY"
	case CFGSet:
		return "CFG_SET"
	case CFGAck:
		return "CFG_ACK"
	}
	return fmt.Sprintf("CFG(%d)", uint8(t))
}

// Configuration is the Configuration payload, CP (RFC 7296 §3.15): a request
// for (or a reply with) a virtual address, DNS servers, subnets and the like.
type Configuration struct {
	ConfigType ConfigType
	Attributes []ConfigAttribute
}

// Type returns PayloadCP.
func (c *Configuration) Type() PayloadType { return PayloadCP }

// AppendBody appends the CFG type, the reserved octets and the attributes.
func (c *Configuration) AppendBody(b []byte) ([]byte, error) {
	start := len(b)
	b = append(b, byte(c.ConfigType), 0, 0, 0)
	for _, a := range c.Attributes {
		if a.Type > maxConfigAttributeType || len(a.Value) > 0xffff {
			return b[:start], invalid("configuration attribute %d of %d bytes", uint16(a.Type), len(a.Value))
		}
		b = binary.BigEndian.AppendUint16(b, uint16(a.Type))
		b = binary.BigEndian.AppendUint16(b, uint16(len(a.Value)))
		b = append(b, a.Value...)
	}
	return b, nil
}

// Find returns the first attribute of type t.
func (c *Configuration) Find(t ConfigAttributeType) (ConfigAttribute, bool) {
	for _, a := range c.Attributes {
		if a.Type == t {
			return a, true
		}
	}
	return ConfigAttribute{}, false
}

func parseConfiguration(b []byte) (*Configuration, error) {
	if len(b) < 4 {
		return nil, truncated("CP payload", 4, len(b))
	}
	c := &Configuration{ConfigType: ConfigType(b[0])}
	for b = b[4:]; len(b) > 0; {
		if len(b) < 4 {
			return nil, truncated("configuration attribute", 4, len(b))
		}
		// The top bit is reserved (RFC 7296 §3.15.1) and ignored.
		t := ConfigAttributeType(binary.BigEndian.Uint16(b[0:2]) & maxConfigAttributeType)
		n := int(binary.BigEndian.Uint16(b[2:4]))
		if 4+n > len(b) {
			return nil, truncated("configuration attribute", 4+n, len(b))
		}
		c.Attributes = append(c.Attributes, ConfigAttribute{Type: t, Value: b[4 : 4+n]})
		b = b[4+n:]
	}
	return c, nil
}
