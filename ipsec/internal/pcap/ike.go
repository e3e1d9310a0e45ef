package pcap

// The IKE ports (RFC 7296 §2, RFC 3948 §2).
const (
	PortIKE  = 500
	PortNATT = 4500
)

// IKE returns the IKE message a datagram carries: the whole payload on port
// 500, the payload after the four-byte non-ESP marker on port 4500 (RFC 3948
// §2.2). It reports false for ESP, NAT keepalives and other traffic.
func (d Datagram) IKE() ([]byte, bool) {
	switch {
	case d.Src.Port() == PortIKE || d.Dst.Port() == PortIKE:
		return d.Payload, true
	case d.Src.Port() == PortNATT || d.Dst.Port() == PortNATT:
		if len(d.Payload) >= 4 && d.Payload[0]|d.Payload[1]|d.Payload[2]|d.Payload[3] == 0 {
			return d.Payload[4:], true
		}
	}
	return nil, false
}

// ESP returns the ESP packet of a UDP-encapsulated ESP datagram on port 4500:
// a non-zero SPI first (RFC 3948 §2.1). A one-byte 0xFF payload is a NAT
// keepalive (RFC 3948 §2.3) and is not ESP.
func (d Datagram) ESP() ([]byte, bool) {
	if d.Src.Port() != PortNATT && d.Dst.Port() != PortNATT {
		return nil, false
	}
	if len(d.Payload) < 8 || d.Payload[0]|d.Payload[1]|d.Payload[2]|d.Payload[3] == 0 {
		return nil, false
	}
	return d.Payload, true
}
