package virtionet

import (
	"encoding/binary"
	"fmt"

	"golang.org/x/sys/unix"
)

// TCP flags the segments of a super-packet do not all share (RFC 9293
// §3.1): FIN and PSH belong to the last segment, CWR to the first, as
// the kernel's own segmentation (tcp_gso_segment) has them.
const (
	tcpFIN = 0x01
	tcpPSH = 0x08
	tcpCWR = 0x80
)

// Splitter hands out the packets of one read from the device, one at a
// time: the read's own packet, its checksum finished if the header asks,
// or each segment of a super-packet. It keeps a super-packet that the
// caller had no room for until the next call, so a read is never lost
// for want of buffers. The zero Splitter has nothing to hand out.
type Splitter struct {
	pkt  []byte // the packet after the header, in the caller's read buffer
	hdr  Header
	is6  bool
	tcp  bool
	l4   int // offset of the transport header
	hlen int // length of the headers every segment repeats
	off  int // offset of the next segment's payload after hlen
	seg  int // index of the next segment
	more bool
}

// Reset makes s hand out the packets of read, which begins with the
// virtio network header; s keeps read until its packets are handed out.
// It returns an error, and hands out nothing, if the header or the packet
// does not add up.
func (s *Splitter) Reset(read []byte) error {
	*s = Splitter{}
	if err := s.hdr.Decode(read); err != nil {
		return err
	}
	pkt := read[HeaderLen:]
	if len(pkt) == 0 || len(read) > MaxRead {
		return fmt.Errorf("%w: %d-byte packet", ErrMalformed, len(pkt))
	}
	if s.hdr.GSOType == unix.VIRTIO_NET_HDR_GSO_NONE {
		if s.hdr.needsCsum() {
			at := int(s.hdr.CsumStart) + int(s.hdr.CsumOffset)
			if int(s.hdr.CsumStart) >= len(pkt) || at+2 > len(pkt) {
				return fmt.Errorf("%w: checksum at %d+%d beyond a %d-byte packet", ErrMalformed, s.hdr.CsumStart, s.hdr.CsumOffset, len(pkt))
			}
		}
		s.pkt, s.more = pkt, true
		return nil
	}
	if err := s.parseGSO(pkt); err != nil {
		return err
	}
	s.pkt, s.more = pkt, true
	return nil
}

// parseGSO checks a super-packet's header and headers and notes where its
// parts are.
func (s *Splitter) parseGSO(pkt []byte) error {
	h := &s.hdr
	var proto uint8
	switch h.GSOType {
	case unix.VIRTIO_NET_HDR_GSO_TCPV4, unix.VIRTIO_NET_HDR_GSO_TCPV6:
		s.tcp, proto = true, unix.IPPROTO_TCP
	case unix.VIRTIO_NET_HDR_GSO_UDP_L4:
		proto = unix.IPPROTO_UDP
	default:
		return fmt.Errorf("%w: GSO type %#x", ErrMalformed, h.GSOType)
	}
	if !h.needsCsum() {
		return fmt.Errorf("%w: super-packet without a partial checksum", ErrMalformed)
	}
	if h.GSOSize == 0 {
		return fmt.Errorf("%w: segment size 0", ErrMalformed)
	}
	s.l4 = int(h.CsumStart)
	switch pkt[0] >> 4 {
	case 4:
		if h.GSOType == unix.VIRTIO_NET_HDR_GSO_TCPV6 {
			return fmt.Errorf("%w: IPv4 packet with GSO type TCPV6", ErrMalformed)
		}
		ihl := int(pkt[0]&0x0f) * 4
		if ihl < 20 || s.l4 != ihl || len(pkt) < ihl {
			return fmt.Errorf("%w: IPv4 header of %d bytes, transport at %d, packet of %d", ErrMalformed, ihl, s.l4, len(pkt))
		}
		if pkt[9] != proto {
			return fmt.Errorf("%w: IPv4 protocol %d under GSO type %#x", ErrMalformed, pkt[9], h.GSOType)
		}
	case 6:
		if h.GSOType == unix.VIRTIO_NET_HDR_GSO_TCPV4 {
			return fmt.Errorf("%w: IPv6 packet with GSO type TCPV4", ErrMalformed)
		}
		// Extension headers may sit between the fixed header and the
		// transport header; they are repeated as they are.
		if s.l4 < 40 || len(pkt) < 40 {
			return fmt.Errorf("%w: IPv6 transport at %d, packet of %d", ErrMalformed, s.l4, len(pkt))
		}
		if s.l4 == 40 && pkt[6] != proto {
			return fmt.Errorf("%w: IPv6 next header %d under GSO type %#x", ErrMalformed, pkt[6], h.GSOType)
		}
		s.is6 = true
	default:
		return fmt.Errorf("%w: IP version %d", ErrMalformed, pkt[0]>>4)
	}
	if s.tcp {
		if len(pkt) < s.l4+20 || h.CsumOffset != 16 {
			return fmt.Errorf("%w: TCP header at %d (checksum at +%d) in %d bytes", ErrMalformed, s.l4, h.CsumOffset, len(pkt))
		}
		s.hlen = s.l4 + int(pkt[s.l4+12]>>4)*4
		if s.hlen < s.l4+20 || s.hlen > len(pkt) {
			return fmt.Errorf("%w: TCP header of %d bytes at %d in %d", ErrMalformed, s.hlen-s.l4, s.l4, len(pkt))
		}
	} else {
		if len(pkt) < s.l4+8 || h.CsumOffset != 6 {
			return fmt.Errorf("%w: UDP header at %d (checksum at +%d) in %d bytes", ErrMalformed, s.l4, h.CsumOffset, len(pkt))
		}
		s.hlen = s.l4 + 8
	}
	return nil
}

// More reports whether s has a packet to hand out.
func (s *Splitter) More() bool { return s.more }

// Drop forgets what s has left to hand out.
func (s *Splitter) Drop() { *s = Splitter{} }

// Next writes the next packet to dst and returns its length. If dst is too
// short for it, Next returns an error and drops the rest of the read.
func (s *Splitter) Next(dst []byte) (int, error) {
	if !s.more {
		return 0, nil
	}
	if s.hdr.GSOType == unix.VIRTIO_NET_HDR_GSO_NONE {
		s.more = false
		if len(s.pkt) > len(dst) {
			n := len(s.pkt)
			s.Drop()
			return 0, fmt.Errorf("%w: %d-byte packet for a %d-byte buffer", ErrMalformed, n, len(dst))
		}
		n := copy(dst, s.pkt)
		if s.hdr.needsCsum() {
			start := int(s.hdr.CsumStart)
			at := start + int(s.hdr.CsumOffset)
			// The field holds the pseudo-header's sum, so summing over it
			// adds the pseudo-header in (the kernel's skb_checksum_help,
			// which writes 0 as 0xffff for UDP's sake, RFC 768).
			c := Checksum(dst[start:n], 0)
			if c == 0 {
				c = 0xffff
			}
			binary.BigEndian.PutUint16(dst[at:], c)
		}
		s.pkt = nil
		return n, nil
	}
	return s.nextSegment(dst)
}

// nextSegment writes the next segment of a super-packet to dst.
func (s *Splitter) nextSegment(dst []byte) (int, error) {
	payload := s.pkt[s.hlen:]
	chunk := min(int(s.hdr.GSOSize), len(payload)-s.off)
	n := s.hlen + chunk
	if n > len(dst) {
		s.Drop()
		return 0, fmt.Errorf("%w: %d-byte segment for a %d-byte buffer", ErrMalformed, n, len(dst))
	}
	copy(dst, s.pkt[:s.hlen])
	copy(dst[s.hlen:n], payload[s.off:s.off+chunk])
	first := s.seg == 0
	last := s.off+chunk == len(payload)

	var src, dstAddr []byte
	if s.is6 {
		binary.BigEndian.PutUint16(dst[4:], uint16(n-40))
		src, dstAddr = dst[8:24], dst[24:40]
	} else {
		binary.BigEndian.PutUint16(dst[2:], uint16(n))
		id := binary.BigEndian.Uint16(s.pkt[4:])
		binary.BigEndian.PutUint16(dst[4:], id+uint16(s.seg))
		dst[10], dst[11] = 0, 0
		binary.BigEndian.PutUint16(dst[10:], Checksum(dst[:s.l4], 0))
		src, dstAddr = dst[12:16], dst[16:20]
	}

	l4 := dst[s.l4:n]
	if s.tcp {
		seq := binary.BigEndian.Uint32(s.pkt[s.l4+4:])
		binary.BigEndian.PutUint32(l4[4:], seq+uint32(s.off))
		if !last {
			l4[13] &^= tcpFIN | tcpPSH
		}
		if !first {
			l4[13] &^= tcpCWR
		}
		l4[16], l4[17] = 0, 0
		binary.BigEndian.PutUint16(l4[16:], Checksum(l4, PseudoSum(src, dstAddr, unix.IPPROTO_TCP, len(l4))))
	} else {
		binary.BigEndian.PutUint16(l4[4:], uint16(len(l4)))
		l4[6], l4[7] = 0, 0
		c := Checksum(l4, PseudoSum(src, dstAddr, unix.IPPROTO_UDP, len(l4)))
		if c == 0 {
			c = 0xffff // RFC 768: 0 would mean no checksum
		}
		binary.BigEndian.PutUint16(l4[6:], c)
	}

	s.off += chunk
	s.seg++
	if last {
		s.Drop()
	}
	return n, nil
}

// Segmented reports whether the read s hands out is a super-packet.
func (s *Splitter) Segmented() bool {
	return s.more && s.hdr.GSOType != unix.VIRTIO_NET_HDR_GSO_NONE
}
