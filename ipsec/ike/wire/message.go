package wire

import (
	"encoding/binary"
	"math"
)

// Message is an IKE message: the header and its payloads in order (RFC 7296
// §3). If present, an SK or SKF payload is the last one (§3.14).
type Message struct {
	Header   Header
	Payloads Payloads
}

// ParseMessage parses an IKE message: the header and the chain of cleartext
// payloads, up to and including an SK or SKF payload, whose content stays
// encrypted. b must hold exactly one message (no non-ESP marker).
func ParseMessage(b []byte) (*Message, error) {
	h, err := ParseHeader(b)
	if err != nil {
		return nil, err
	}
	if int64(h.Length) > int64(len(b)) {
		return nil, truncated("IKE message", int(min(h.Length, math.MaxInt32)), len(b))
	}
	if int64(h.Length) < int64(len(b)) {
		return nil, malformed("%d bytes after the %d-byte IKE message", len(b)-int(h.Length), h.Length)
	}
	ps, err := ParsePayloads(h.NextPayload, b[HeaderLen:])
	if err != nil {
		return nil, err
	}
	return &Message{Header: h, Payloads: ps}, nil
}

// ParsePayloads parses a chain of payloads whose first payload has type
// first: the payloads of a message after its header, or the decrypted body of
// an SK payload (padding removed) with the type its Next Payload field named.
// The chain must fill b exactly; an SK or SKF payload ends it.
func ParsePayloads(first PayloadType, b []byte) (Payloads, error) {
	var ps Payloads
	for t := first; t != PayloadNone; {
		if len(b) < payloadGenericLen {
			return nil, truncated(t.String()+" payload header", payloadGenericLen, len(b))
		}
		next := PayloadType(b[0])
		critical := b[1]&criticalBit != 0
		n := int(binary.BigEndian.Uint16(b[2:4]))
		if n < payloadGenericLen {
			return nil, malformed("%v payload length %d", t, n)
		}
		if n > len(b) {
			return nil, truncated(t.String()+" payload", n, len(b))
		}
		p, err := parseBody(t, next, critical, b[payloadGenericLen:n])
		if err != nil {
			return nil, err
		}
		ps = append(ps, p)
		b = b[n:]
		if t == PayloadSK || t == PayloadSKF {
			break
		}
		t = next
	}
	if len(b) != 0 {
		return nil, malformed("%d bytes after the last payload", len(b))
	}
	return ps, nil
}

// AppendTo appends the encoded message to b. It sets the header's Next
// Payload to the first payload's type and its Length to the encoded length,
// and chains the payloads' Next Payload fields; the SK or SKF payload, which
// must be last, carries the type of its first inner payload instead.
func (m *Message) AppendTo(b []byte) ([]byte, error) {
	start := len(b)
	h := m.Header
	h.NextPayload = PayloadNone
	if len(m.Payloads) > 0 {
		h.NextPayload = m.Payloads[0].Type()
	}
	h.Length = 0
	b = h.AppendTo(b)
	b, err := AppendPayloads(b, m.Payloads)
	if err != nil {
		return b[:start], err
	}
	n := len(b) - start
	if uint64(n) > math.MaxUint32 {
		return b[:start], invalid("message of %d bytes", n)
	}
	binary.BigEndian.PutUint32(b[start+24:], uint32(n))
	return b, nil
}

// AppendPayloads appends the payloads ps as a chain: each generic header's
// Next Payload names the following payload, the last one's is zero, except
// that an SK or SKF payload (allowed only last) names its first inner
// payload. The chain's first type, for the field before it, is ps[0].Type().
func AppendPayloads(b []byte, ps Payloads) ([]byte, error) {
	start := len(b)
	for i, p := range ps {
		next := PayloadNone
		first, sealed := innerFirst(p)
		switch {
		case sealed && i != len(ps)-1:
			return b[:start], invalid("%v payload before the last position", p.Type())
		case sealed:
			next = first
		case i < len(ps)-1:
			next = ps[i+1].Type()
		}
		var err error
		if b, err = appendPayload(b, p, next); err != nil {
			return b[:start], err
		}
	}
	return b, nil
}
