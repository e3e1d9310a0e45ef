package wire

import "encoding/binary"

// AppendIntAuthData appends the part of a protected IKE_INTERMEDIATE
// message that its IntAuth covers (RFC 9242 §3.3.2): IntAuth_A, the IKE
// header and the Encrypted payload's header, followed by IntAuth_P, the
// inner payloads in the clear. The lengths are those of a message that
// carried the inner payloads without IV, padding and ICV, and the header
// names the Encrypted payload even when the message went in fragments
// (RFC 9242 §3.3.2, RFC 7383 §2.5: IntAuth covers the whole message). h
// is the message's header, first the type of its first inner payload and
// plain their encoding.
func AppendIntAuthData(b []byte, h Header, first PayloadType, plain []byte) []byte {
	h.NextPayload = PayloadSK
	h.Length = uint32(HeaderLen + payloadHeaderLen + len(plain))
	b = h.AppendTo(b)
	b = append(b, byte(first), 0)
	b = binary.BigEndian.AppendUint16(b, uint16(payloadHeaderLen+len(plain)))
	return append(b, plain...)
}

// payloadHeaderLen is the length of the generic payload header (RFC 7296
// §3.2).
const payloadHeaderLen = 4
