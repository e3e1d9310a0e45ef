package wire

import "encoding/binary"

// Notify is the Notify payload (RFC 7296 §3.10). Protocol and SPI name the
// SA the notification is about, if any: empty SPI and ProtocolNone otherwise
// (for IKE SA notifies the SPI is also empty, §3.10).
type Notify struct {
	Protocol   ProtocolID
	SPI        []byte
	NotifyType NotifyType
	Data       []byte
}

// NewNotify returns a notify of type t about no particular SA.
func NewNotify(t NotifyType, data []byte) *Notify {
	return &Notify{NotifyType: t, Data: data}
}

// Type returns PayloadNotify.
func (n *Notify) Type() PayloadType { return PayloadNotify }

// AppendBody appends the protocol, SPI size, notify type, SPI and data.
func (n *Notify) AppendBody(b []byte) ([]byte, error) {
	if len(n.SPI) > 0xff {
		return b, invalid("notify SPI of %d bytes", len(n.SPI))
	}
	b = append(b, byte(n.Protocol), byte(len(n.SPI)))
	b = binary.BigEndian.AppendUint16(b, uint16(n.NotifyType))
	b = append(b, n.SPI...)
	return append(b, n.Data...), nil
}

func parseNotify(b []byte) (*Notify, error) {
	if len(b) < 4 {
		return nil, truncated("notify payload", 4, len(b))
	}
	spiLen := int(b[1])
	if 4+spiLen > len(b) {
		return nil, truncated("notify SPI", 4+spiLen, len(b))
	}
	return &Notify{
		Protocol:   ProtocolID(b[0]),
		NotifyType: NotifyType(binary.BigEndian.Uint16(b[2:4])),
		SPI:        b[4 : 4+spiLen],
		Data:       b[4+spiLen:],
	}, nil
}
