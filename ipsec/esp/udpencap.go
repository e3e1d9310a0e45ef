package esp

// Kind tells what a UDP payload received on the NAT-T port is (RFC 3948 §2).
type Kind uint8

// Kinds of UDP payload on port 4500.
const (
	KindInvalid   Kind = iota // too short to be anything
	KindKeepalive             // a NAT-keepalive: one 0xFF octet (RFC 3948 §2.3)
	KindIKE                   // an IKE message after the non-ESP marker (RFC 3948 §2.2)
	KindESP                   // an ESP packet: a non-zero SPI comes first (RFC 3948 §2.2)
)

// NonESPMarkerLen is the length of the four zero octets that stand where an
// ESP packet has its SPI, which is never 0 (RFC 3948 §2.2).
const NonESPMarkerLen = 4

// Classify tells a NAT-keepalive, an IKE message and an ESP packet apart in a
// UDP payload received on port 4500. For KindIKE the message follows the
// NonESPMarkerLen bytes of marker.
func Classify(b []byte) Kind {
	switch {
	case len(b) == 1 && b[0] == 0xFF:
		return KindKeepalive
	case len(b) < NonESPMarkerLen:
		return KindInvalid
	case b[0]|b[1]|b[2]|b[3] == 0:
		return KindIKE
	case len(b) < HeaderLen:
		return KindInvalid
	}
	return KindESP
}
