package virtionet

import (
	"encoding/binary"
	"errors"
	"fmt"

	"golang.org/x/sys/unix"
)

// HeaderLen is the length of the virtio network header before each packet
// of a TUN device opened with IFF_VNET_HDR and the default header size
// (TUNSETVNETHDRSZ unset): struct virtio_net_hdr without num_buffers.
const HeaderLen = 10

// MaxRead is the most bytes one read of the device returns: the header
// and the largest IP packet, a 64 KiB super-packet.
const MaxRead = HeaderLen + 65535

// ErrMalformed is wrapped by the errors of a read whose header or packet
// does not add up; the packet is dropped.
var ErrMalformed = errors.New("malformed virtio packet")

// Header is a decoded struct virtio_net_hdr.
type Header struct {
	// Flags holds VIRTIO_NET_HDR_F_NEEDS_CSUM when the checksum at
	// CsumStart+CsumOffset covers only the pseudo-header, and the rest of
	// the packet from CsumStart is still to be added.
	Flags uint8
	// GSOType is VIRTIO_NET_HDR_GSO_NONE for one packet, or the protocol of
	// a super-packet to be segmented (TCPV4, TCPV6, UDP_L4).
	GSOType uint8
	// HdrLen is the length of the headers that every segment repeats. The
	// kernel may give the whole first packet here on its forwarding path,
	// so segmentation takes the length from the headers instead.
	HdrLen uint16
	// GSOSize is the payload length of each segment but the last.
	GSOSize uint16
	// CsumStart is where the checksummed part begins, which for a
	// super-packet is the transport header's offset.
	CsumStart uint16
	// CsumOffset is the checksum field's offset from CsumStart.
	CsumOffset uint16
}

// Decode decodes the header at the start of b. A TUN device writes it in
// the host's byte order, as no TUNSETVNETLE or TUNSETVNETBE changed it.
func (h *Header) Decode(b []byte) error {
	if len(b) < HeaderLen {
		return fmt.Errorf("%w: %d bytes, short of a header", ErrMalformed, len(b))
	}
	h.Flags = b[0]
	h.GSOType = b[1]
	h.HdrLen = binary.NativeEndian.Uint16(b[2:])
	h.GSOSize = binary.NativeEndian.Uint16(b[4:])
	h.CsumStart = binary.NativeEndian.Uint16(b[6:])
	h.CsumOffset = binary.NativeEndian.Uint16(b[8:])
	return nil
}

// Encode writes h at the start of b, which holds at least HeaderLen bytes.
func (h *Header) Encode(b []byte) {
	_ = b[HeaderLen-1]
	b[0] = h.Flags
	b[1] = h.GSOType
	binary.NativeEndian.PutUint16(b[2:], h.HdrLen)
	binary.NativeEndian.PutUint16(b[4:], h.GSOSize)
	binary.NativeEndian.PutUint16(b[6:], h.CsumStart)
	binary.NativeEndian.PutUint16(b[8:], h.CsumOffset)
}

// needsCsum reports whether the reader must finish the checksum.
func (h *Header) needsCsum() bool { return h.Flags&unix.VIRTIO_NET_HDR_F_NEEDS_CSUM != 0 }
