package esp

import (
	"crypto/cipher"
	"crypto/subtle"
)

// Open verifies and decrypts the ESP packet pkt in place. seq is its full
// sequence number (the low half from the header, the high half inferred by
// the replay window for ESN). It returns the inner packet, still followed by
// any TFC padding (RFC 4303 §2.7), and the next header value.
func (sa *SA) Open(s *Scratch, pkt []byte, seq uint64) (inner []byte, next byte, err error) {
	hl := sa.HeaderRoom()
	if len(pkt) < hl+2+sa.icvLen {
		return nil, 0, ErrMalformed
	}
	var pt []byte
	if sa.aead != nil {
		pt, err = sa.openAEAD(s, pkt, seq)
	} else {
		pt, err = sa.openCBC(s, pkt, seq)
	}
	if err != nil {
		return nil, 0, err
	}
	pad := int(pt[len(pt)-2])
	next = pt[len(pt)-1]
	if pad+2 > len(pt) {
		return nil, 0, ErrMalformed
	}
	for i, b := range pt[len(pt)-2-pad : len(pt)-2] {
		if b != byte(i+1) {
			return nil, 0, ErrPadding
		}
	}
	return pt[:len(pt)-2-pad], next, nil
}

func (sa *SA) openAEAD(s *Scratch, pkt []byte, seq uint64) ([]byte, error) {
	hdr := pkt[:HeaderLen+sa.ivLen]
	ct := pkt[len(hdr):]
	copy(s.nonce[:], sa.salt[:])
	copy(s.nonce[len(sa.salt):], hdr[HeaderLen:])
	pt, err := sa.aead.Open(ct[:0], s.nonce[:], ct, sa.aad(s, hdr, seq))
	if err != nil {
		return nil, ErrAuth
	}
	return pt, nil
}

// openCBC checks the ICV before decrypting anything (RFC 4303 §3.4.4.1).
func (sa *SA) openCBC(s *Scratch, pkt []byte, seq uint64) ([]byte, error) {
	body := pkt[:len(pkt)-sa.icvLen]
	ct := body[HeaderLen+sa.ivLen:]
	if len(ct)%sa.align != 0 {
		return nil, ErrMalformed
	}
	st := sa.getCBC()
	defer sa.cbcPool.Put(st)
	if subtle.ConstantTimeCompare(sa.mac(s, st, body, seq), pkt[len(body):]) != 1 {
		return nil, ErrAuth
	}
	iv := body[HeaderLen : HeaderLen+sa.ivLen]
	dec := st.dec
	if set, ok := dec.(ivSetter); ok {
		set.SetIV(iv)
	} else {
		dec = cipher.NewCBCDecrypter(sa.block, iv)
	}
	dec.CryptBlocks(ct, ct)
	return ct, nil
}
