package wire

// Encrypted is the Encrypted and Authenticated payload, SK (RFC 7296 §3.14).
// FirstPayload is its Next Payload field: the type of the first payload
// inside. Data is everything after the generic header: the IV, the
// ciphertext (inner payloads, padding and pad length) and the integrity
// checksum; the cipher defines their sizes, so Split takes them.
type Encrypted struct {
	FirstPayload PayloadType
	Data         []byte
}

// Type returns PayloadSK.
func (e *Encrypted) Type() PayloadType { return PayloadSK }

// AppendBody appends Data.
func (e *Encrypted) AppendBody(b []byte) ([]byte, error) { return append(b, e.Data...), nil }

// Split returns the IV, ciphertext and integrity checksum of Data for a
// cipher with ivLen-byte IVs and icvLen-byte checksums. The slices alias
// Data, so a cipher can decrypt in place.
func (e *Encrypted) Split(ivLen, icvLen int) (iv, ciphertext, icv []byte, err error) {
	return splitSealed(e.Data, ivLen, icvLen)
}

// splitSealed cuts data into IV, ciphertext and ICV. The ciphertext must not
// be empty: it holds at least the Pad Length octet (RFC 7296 §3.14).
func splitSealed(data []byte, ivLen, icvLen int) (iv, ciphertext, icv []byte, err error) {
	if ivLen < 0 || icvLen < 0 {
		return nil, nil, nil, invalid("IV length %d, ICV length %d", ivLen, icvLen)
	}
	if len(data) < ivLen+icvLen+1 {
		return nil, nil, nil, truncated("encrypted payload", ivLen+icvLen+1, len(data))
	}
	ct := len(data) - icvLen
	return data[:ivLen:ivLen], data[ivLen:ct:ct], data[ct:], nil
}
