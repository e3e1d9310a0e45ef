package core

import (
	"errors"

	"github.com/espressovpn/espresso/ipsec/ike/wire"
)

// EncodePlain encodes a cleartext message (IKE_SA_INIT).
func EncodePlain(h wire.Header, ps wire.Payloads) ([]byte, error) {
	m := wire.Message{Header: h, Payloads: ps}
	return m.AppendTo(nil)
}

// seal encodes a protected message: the inner payloads in an SK payload
// (RFC 7296 §3.14), or, when fragSize is positive and the message would be
// larger, in SKF fragments of at most fragSize bytes each (RFC 7383 §2.5).
func (k *ikeKeys) seal(h wire.Header, inner wire.Payloads, fragSize int) ([][]byte, error) {
	pt, err := wire.AppendPayloads(nil, inner)
	if err != nil {
		return nil, err
	}
	defer clear(pt)
	first := wire.PayloadNone
	if len(inner) > 0 {
		first = inner[0].Type()
	}
	whole, err := k.sealOne(h, &wire.Encrypted{FirstPayload: first}, pt)
	if err != nil {
		return nil, err
	}
	if fragSize <= 0 || len(whole) <= fragSize {
		return [][]byte{whole}, nil
	}
	// Fragment overhead: header, generic payload header, fragment number
	// and total, and the cipher's IV, padding and ICV.
	chunk := fragSize - wire.HeaderLen - 8
	for chunk > 0 && wire.HeaderLen+8+k.out.BodyLen(chunk) > fragSize {
		chunk--
	}
	if chunk <= 0 {
		return nil, errors.New("ike: fragment size too small for the cipher")
	}
	total := (len(pt) + chunk - 1) / chunk
	if total > maxFragments {
		return nil, errors.New("ike: message too large to fragment")
	}
	out := make([][]byte, 0, total)
	for i := range total {
		part := pt[i*chunk : min(len(pt), (i+1)*chunk)]
		f := &wire.EncryptedFragment{Number: uint16(i + 1), Total: uint16(total)}
		if i == 0 {
			f.FirstPayload = first
		}
		b, err := k.sealOne(h, f, part)
		if err != nil {
			return nil, err
		}
		out = append(out, b)
	}
	return out, nil
}

// sealOne encodes the header and an SK or SKF payload sized for pt, then
// seals pt into it.
func (k *ikeKeys) sealOne(h wire.Header, p wire.Payload, pt []byte) ([]byte, error) {
	n := k.out.BodyLen(len(pt))
	switch p := p.(type) {
	case *wire.Encrypted:
		p.Data = make([]byte, n)
	case *wire.EncryptedFragment:
		p.Data = make([]byte, n)
	}
	m := wire.Message{Header: h, Payloads: wire.Payloads{p}}
	b, err := m.AppendTo(nil)
	if err != nil {
		return nil, err
	}
	return k.out.Seal(b[:len(b)-n], pt)
}

// opened is a decrypted SK payload, or one decrypted fragment.
type opened struct {
	first       wire.PayloadType
	plain       []byte
	frag, total uint16 // 0 for SK
}

// open checks and decrypts the SK or SKF payload that ends m, raw being
// its encoding.
func (k *ikeKeys) open(raw []byte, m *wire.Message) (opened, error) {
	if len(m.Payloads) == 0 {
		return opened{}, errNotProtected
	}
	var o opened
	var data []byte
	switch p := m.Payloads[len(m.Payloads)-1].(type) {
	case *wire.Encrypted:
		o.first, data = p.FirstPayload, p.Data
	case *wire.EncryptedFragment:
		o.first, data, o.frag, o.total = p.FirstPayload, p.Data, p.Number, p.Total
	default:
		return opened{}, errNotProtected
	}
	pt, err := k.in.Open(raw[:len(raw)-len(data)], data)
	if err != nil {
		return opened{}, err
	}
	o.plain = pt
	return o, nil
}

var errNotProtected = errors.New("ike: message without SK payload")
