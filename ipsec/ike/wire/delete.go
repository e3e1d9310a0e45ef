package wire

import "encoding/binary"

// childSPILen is the size of an AH or ESP SPI (RFC 7296 §3.11).
const childSPILen = 4

// Delete is the Delete payload (RFC 7296 §3.11). Deleting the IKE SA carries
// ProtocolIKE and no SPIs (the SA is the one of the header); deleting Child
// SAs carries ProtocolESP or ProtocolAH and the SPIs the sender expects on
// inbound packets.
type Delete struct {
	Protocol ProtocolID
	SPIs     []uint32
}

// Type returns PayloadDelete.
func (d *Delete) Type() PayloadType { return PayloadDelete }

// AppendBody appends the protocol, SPI size, count and SPIs.
func (d *Delete) AppendBody(b []byte) ([]byte, error) {
	switch {
	case d.Protocol == ProtocolIKE && len(d.SPIs) == 0:
		return append(b, byte(ProtocolIKE), 0, 0, 0), nil
	case d.Protocol == ProtocolIKE:
		return b, invalid("IKE SA delete with %d SPIs", len(d.SPIs))
	case d.Protocol != ProtocolESP && d.Protocol != ProtocolAH:
		return b, invalid("delete for protocol %v", d.Protocol)
	case len(d.SPIs) > 0xffff:
		return b, invalid("delete of %d SPIs", len(d.SPIs))
	}
	b = append(b, byte(d.Protocol), childSPILen)
	b = binary.BigEndian.AppendUint16(b, uint16(len(d.SPIs)))
	for _, spi := range d.SPIs {
		b = binary.BigEndian.AppendUint32(b, spi)
	}
	return b, nil
}

// parseDelete enforces the sizes of RFC 7296 §3.11: SPI size zero for IKE,
// four for ESP and AH.
func parseDelete(b []byte) (*Delete, error) {
	if len(b) < 4 {
		return nil, truncated("delete payload", 4, len(b))
	}
	d := &Delete{Protocol: ProtocolID(b[0])}
	size, count := int(b[1]), int(binary.BigEndian.Uint16(b[2:4]))
	b = b[4:]
	switch {
	case d.Protocol == ProtocolIKE && (size != 0 || count != 0):
		return nil, malformed("IKE SA delete with %d SPIs of %d bytes", count, size)
	case d.Protocol == ProtocolIKE:
	case d.Protocol != ProtocolESP && d.Protocol != ProtocolAH:
		return nil, malformed("delete for protocol %v", d.Protocol)
	case size != childSPILen:
		return nil, malformed("%v delete with SPI size %d", d.Protocol, size)
	}
	if len(b) < count*size {
		return nil, truncated("delete SPIs", count*size, len(b))
	}
	if len(b) > count*size {
		return nil, malformed("%d bytes after %d SPIs", len(b)-count*size, count)
	}
	if count > 0 {
		d.SPIs = make([]uint32, count)
		for i := range d.SPIs {
			d.SPIs[i] = binary.BigEndian.Uint32(b[i*childSPILen:])
		}
	}
	return d, nil
}
