// Package pcap reads the UDP datagrams of a classic libpcap capture file, so
// tests of the IKE and ESP packages can replay real exchanges (for example
// the strongSwan captures kept as test vectors) without an external
// dependency.
//
// It understands the classic file format (microsecond and nanosecond
// variants, either byte order) with Ethernet (optionally 802.1Q tagged), raw
// IP and Linux cooked link layers, IPv4 and IPv6, and keeps only unfragmented
// UDP datagrams. It is test support: it favours clear failure over coverage of
// every capture a tool can write.
package pcap

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"os"
	"time"
)

// ErrFormat is wrapped by every error about the content of a capture file.
var ErrFormat = errors.New("pcap: bad format")

// maxRecord bounds one record so a corrupt length cannot make Read allocate
// without limit; no capture of IKE or ESP traffic comes near it.
const maxRecord = 256 << 10

// Link-layer header types (tcpdump.org LINKTYPE_ values).
const (
	linkEthernet = 1
	linkRaw      = 101
	linkLinuxSLL = 113
	linkIPv4     = 228
	linkIPv6     = 229
)

// Datagram is one UDP datagram of a capture.
type Datagram struct {
	Time     time.Time
	Src, Dst netip.AddrPort
	Payload  []byte // the UDP payload
}

// ReadFile reads every UDP datagram of the capture file at path.
func ReadFile(path string) ([]Datagram, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return Read(f)
}

// Read reads every UDP datagram of a classic pcap stream, in capture order.
// Records that are not UDP over IPv4 or IPv6, or that are IP fragments, are
// skipped.
func Read(r io.Reader) ([]Datagram, error) {
	var fh [24]byte
	if _, err := io.ReadFull(r, fh[:]); err != nil {
		return nil, fmt.Errorf("%w: file header: %v", ErrFormat, err)
	}
	var order binary.ByteOrder
	nano := false
	switch binary.LittleEndian.Uint32(fh[0:4]) {
	case 0xa1b2c3d4:
		order = binary.LittleEndian
	case 0xa1b23c4d:
		order, nano = binary.LittleEndian, true
	case 0xd4c3b2a1:
		order = binary.BigEndian
	case 0x4d3cb2a1:
		order, nano = binary.BigEndian, true
	default:
		return nil, fmt.Errorf("%w: not a classic pcap file", ErrFormat)
	}
	link := order.Uint32(fh[20:24]) & 0x0fffffff

	var out []Datagram
	var rh [16]byte
	for {
		if _, err := io.ReadFull(r, rh[:]); err != nil {
			if err == io.EOF {
				return out, nil
			}
			return nil, fmt.Errorf("%w: record header: %v", ErrFormat, err)
		}
		n := order.Uint32(rh[8:12])
		if n > maxRecord {
			return nil, fmt.Errorf("%w: record of %d bytes", ErrFormat, n)
		}
		frame := make([]byte, n)
		if _, err := io.ReadFull(r, frame); err != nil {
			return nil, fmt.Errorf("%w: record: %v", ErrFormat, err)
		}
		sub := int64(order.Uint32(rh[4:8]))
		if !nano {
			sub *= 1000
		}
		ts := time.Unix(int64(order.Uint32(rh[0:4])), sub).UTC()
		ip, ok := network(link, frame)
		if !ok {
			continue
		}
		if d, ok := udp(ip); ok {
			d.Time = ts
			out = append(out, d)
		}
	}
}

// network strips the link-layer header and returns the IP packet, if the
// frame carries one.
func network(link uint32, f []byte) ([]byte, bool) {
	switch link {
	case linkRaw, linkIPv4, linkIPv6:
		return f, true
	case linkEthernet:
		if len(f) < 14 {
			return nil, false
		}
		etype, rest := binary.BigEndian.Uint16(f[12:14]), f[14:]
		if etype == 0x8100 {
			if len(rest) < 4 {
				return nil, false
			}
			etype, rest = binary.BigEndian.Uint16(rest[2:4]), rest[4:]
		}
		return rest, etype == 0x0800 || etype == 0x86dd
	case linkLinuxSLL:
		if len(f) < 16 {
			return nil, false
		}
		etype := binary.BigEndian.Uint16(f[14:16])
		return f[16:], etype == 0x0800 || etype == 0x86dd
	}
	return nil, false
}

// udp decodes an IPv4 or IPv6 packet carrying an unfragmented UDP datagram.
func udp(ip []byte) (Datagram, bool) {
	var d Datagram
	if len(ip) < 1 {
		return d, false
	}
	var src, dst netip.Addr
	var seg []byte
	switch ip[0] >> 4 {
	case 4:
		if len(ip) < 20 {
			return d, false
		}
		ihl := int(ip[0]&0x0f) * 4
		total := int(binary.BigEndian.Uint16(ip[2:4]))
		frag := binary.BigEndian.Uint16(ip[6:8])
		if ihl < 20 || total < ihl || total > len(ip) || ip[9] != 17 || frag&0x3fff != 0 {
			return d, false
		}
		src, dst = netip.AddrFrom4([4]byte(ip[12:16])), netip.AddrFrom4([4]byte(ip[16:20]))
		seg = ip[ihl:total]
	case 6:
		if len(ip) < 40 {
			return d, false
		}
		plen := int(binary.BigEndian.Uint16(ip[4:6]))
		if ip[6] != 17 || 40+plen > len(ip) {
			return d, false
		}
		src, dst = netip.AddrFrom16([16]byte(ip[8:24])), netip.AddrFrom16([16]byte(ip[24:40]))
		seg = ip[40 : 40+plen]
	default:
		return d, false
	}
	if len(seg) < 8 {
		return d, false
	}
	ulen := int(binary.BigEndian.Uint16(seg[4:6]))
	if ulen < 8 || ulen > len(seg) {
		return d, false
	}
	d.Src = netip.AddrPortFrom(src, binary.BigEndian.Uint16(seg[0:2]))
	d.Dst = netip.AddrPortFrom(dst, binary.BigEndian.Uint16(seg[2:4]))
	d.Payload = seg[8:ulen]
	return d, true
}
