package wire

// Sealed locates the protected parts of an encoded message whose last payload
// is SK or SKF. Every slice aliases the message, so a cipher can check or
// fill them in place.
type Sealed struct {
	// Header is the IKE header of the message.
	Header Header
	// Payload is the SK or SKF payload, parsed.
	Payload Payload
	// AAD is the message from the IKE header through the SK or SKF payload's
	// own header (for SKF, through Total Fragments): the associated data of
	// AEAD ciphers (RFC 5282 §5.1, RFC 7383 §2.5).
	AAD []byte
	// IV, Ciphertext and ICV are the parts of the payload's Data.
	IV, Ciphertext, ICV []byte
	// Signed is the message from its first octet up to the ICV: what the
	// integrity checksum of non-AEAD ciphers covers (RFC 7296 §3.14).
	Signed []byte
}

// SplitSealed parses the message msg up to its SK or SKF payload and splits
// that payload for a cipher with ivLen-byte IVs and icvLen-byte checksums.
// A sender builds the message with Message.AppendTo, the SK payload's Data
// sized ivLen + len(ciphertext) + icvLen, then fills the parts SplitSealed
// returns; a receiver checks and decrypts them, then reads the plaintext
// with ParsePayloads.
func SplitSealed(msg []byte, ivLen, icvLen int) (Sealed, error) {
	m, err := ParseMessage(msg)
	if err != nil {
		return Sealed{}, err
	}
	s := Sealed{Header: m.Header}
	if len(m.Payloads) > 0 {
		s.Payload = m.Payloads[len(m.Payloads)-1]
	}
	var data []byte
	switch p := s.Payload.(type) {
	case *Encrypted:
		data = p.Data
	case *EncryptedFragment:
		data = p.Data
	default:
		return Sealed{}, malformed("no SK or SKF payload last in the message")
	}
	// Data ends the message (ParseMessage checked), so its offset follows.
	off := len(msg) - len(data)
	if s.IV, s.Ciphertext, s.ICV, err = splitSealed(data, ivLen, icvLen); err != nil {
		return Sealed{}, err
	}
	s.AAD = msg[:off:off]
	s.Signed = msg[: len(msg)-icvLen : len(msg)-icvLen]
	return s, nil
}
