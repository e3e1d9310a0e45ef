package esp

import (
	"crypto/cipher"
	"encoding/binary"
)

// Seal turns the n-byte inner packet at buf[off:off+n] into an ESP packet in
// place and returns its bounds, buf[start:end]. It needs HeaderRoom bytes
// before off and TrailerRoom bytes after the payload within cap(buf). seq is
// the full sequence number; without ESN only its low 32 bits are used. next
// is the next header value (NextIPv4, NextIPv6).
func (sa *SA) Seal(s *Scratch, buf []byte, off, n int, seq uint64, next byte) (start, end int, err error) {
	return sa.seal(s, buf, off, n, seq, seq, next)
}

// seal is Seal with the AEAD's explicit IV given apart from the sequence
// number, so that tests can reproduce published packets, whose IVs are
// arbitrary.
func (sa *SA) seal(s *Scratch, buf []byte, off, n int, seq, iv uint64, next byte) (start, end int, err error) {
	start = off - sa.HeaderRoom()
	pad := sa.padLen(n)
	ctLen := n + pad + 2
	end = off + ctLen + sa.icvLen
	if start < 0 || end > cap(buf) {
		return 0, 0, ErrNoRoom
	}
	buf = buf[:end]
	// Padding is 1, 2, 3, ... (RFC 4303 §2.4), then pad length and next header.
	tr := buf[off+n : off+ctLen]
	for i := range pad {
		tr[i] = byte(i + 1)
	}
	tr[pad] = byte(pad)
	tr[pad+1] = next

	hdr := buf[start:off]
	binary.BigEndian.PutUint32(hdr[0:], sa.spi)
	binary.BigEndian.PutUint32(hdr[4:], uint32(seq))
	if sa.aead != nil {
		sa.sealAEAD(s, hdr, buf[off:off+ctLen], seq, iv)
	} else {
		sa.sealCBC(s, hdr, buf[start:off+ctLen], seq)
	}
	return start, end, nil
}

// sealAEAD encrypts pt in place and appends the tag. Seal passes the
// sequence number as the explicit IV: RFC 4106 §3.1 and RFC 7634 §2 require
// only that it never repeat under one key, which the sequence number
// guarantees since it never wraps.
func (sa *SA) sealAEAD(s *Scratch, hdr, pt []byte, seq, iv uint64) {
	binary.BigEndian.PutUint64(hdr[HeaderLen:], iv)
	copy(s.nonce[:], sa.salt[:])
	copy(s.nonce[len(sa.salt):], hdr[HeaderLen:])
	sa.aead.Seal(pt[:0], s.nonce[:], pt, sa.aad(s, hdr, seq))
}

// aad returns the additional authenticated data: SPI and the 32-bit sequence
// number, or with ESN SPI, high and low halves (RFC 4106 §5, RFC 7634 §2.1).
func (sa *SA) aad(s *Scratch, hdr []byte, seq uint64) []byte {
	if !sa.esn {
		return hdr[:HeaderLen]
	}
	copy(s.aad[0:4], hdr[0:4])
	binary.BigEndian.PutUint32(s.aad[4:], uint32(seq>>32))
	copy(s.aad[8:12], hdr[4:8])
	return s.aad[:]
}

// sealCBC encrypts in place and appends the truncated HMAC (RFC 3602, RFC
// 4868). pkt spans header, IV and plaintext; the ICV follows it.
func (sa *SA) sealCBC(s *Scratch, hdr, pkt []byte, seq uint64) {
	// The IV must be unpredictable (RFC 3602 §3). Encrypting a nonce, the
	// sequence number, under the SA's key gives that (NIST SP 800-38A
	// Appendix C) without a call into the random source per packet.
	clear(s.iv[:])
	binary.BigEndian.PutUint64(s.iv[8:], seq)
	iv := hdr[HeaderLen:]
	sa.block.Encrypt(iv, s.iv[:])

	st := sa.getCBC()
	defer sa.cbcPool.Put(st)
	ct := pkt[len(hdr):]
	enc := st.enc
	if set, ok := enc.(ivSetter); ok {
		set.SetIV(iv)
	} else {
		enc = cipher.NewCBCEncrypter(sa.block, iv)
	}
	enc.CryptBlocks(ct, ct)
	icv := sa.mac(s, st, pkt, seq)
	copy(pkt[len(pkt):len(pkt)+sa.icvLen], icv)
}

// mac computes the truncated ICV over header, IV and ciphertext, followed for
// ESN by the implicit high-order sequence bits (RFC 4303 §2.2.1, §3.3.2.1).
func (sa *SA) mac(s *Scratch, st *cbcState, pkt []byte, seq uint64) []byte {
	st.mac.Reset()
	st.mac.Write(pkt)
	if sa.esn {
		binary.BigEndian.PutUint32(s.hi[:], uint32(seq>>32))
		st.mac.Write(s.hi[:])
	}
	return st.mac.Sum(s.icv[:0])[:sa.icvLen]
}
