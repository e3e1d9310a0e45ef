package wire

import "encoding/binary"

// fragmentFixedLen is the Fragment Number and Total Fragments fields.
const fragmentFixedLen = 4

// EncryptedFragment is the Encrypted and Authenticated Fragment payload, SKF
// (RFC 7383 §2.5). Fragments are numbered from 1 to Total; only fragment 1
// names the first inner payload in FirstPayload, the others carry
// PayloadNone. Data is the IV, ciphertext and integrity checksum of this
// fragment, as for Encrypted.
type EncryptedFragment struct {
	FirstPayload PayloadType
	Number       uint16
	Total        uint16
	Data         []byte
}

// Type returns PayloadSKF.
func (f *EncryptedFragment) Type() PayloadType { return PayloadSKF }

// AppendBody appends the fragment number, the total and Data.
func (f *EncryptedFragment) AppendBody(b []byte) ([]byte, error) {
	if f.Number == 0 || f.Number > f.Total {
		return b, invalid("fragment %d of %d", f.Number, f.Total)
	}
	b = binary.BigEndian.AppendUint16(b, f.Number)
	b = binary.BigEndian.AppendUint16(b, f.Total)
	return append(b, f.Data...), nil
}

// Split returns the IV, ciphertext and integrity checksum of Data, as
// Encrypted.Split does.
func (f *EncryptedFragment) Split(ivLen, icvLen int) (iv, ciphertext, icv []byte, err error) {
	return splitSealed(f.Data, ivLen, icvLen)
}

// parseEncryptedFragment checks the numbering rules of RFC 7383 §2.5: the
// number is at least 1 and at most the total.
func parseEncryptedFragment(next PayloadType, b []byte) (*EncryptedFragment, error) {
	if len(b) < fragmentFixedLen {
		return nil, truncated("SKF payload", fragmentFixedLen, len(b))
	}
	f := &EncryptedFragment{
		FirstPayload: next,
		Number:       binary.BigEndian.Uint16(b[0:2]),
		Total:        binary.BigEndian.Uint16(b[2:4]),
		Data:         b[fragmentFixedLen:],
	}
	if f.Number == 0 || f.Number > f.Total {
		return nil, malformed("fragment %d of %d", f.Number, f.Total)
	}
	return f, nil
}
