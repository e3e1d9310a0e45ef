// Package pcap reads the UDP datagrams of a classic libpcap capture file, for
// tests that replay real exchanges. It understands Ethernet and raw-IP link
// types with IPv4 or IPv6 and skips everything else.
package pcap

import (
	"encoding/binary"
	"errors"
	"fmt"
	"net/netip"
	"os"
)

// Datagram is one UDP datagram of a capture.
type Datagram struct {
	Src, Dst netip.AddrPort
	Payload  []byte
}

// Link types (https://www.tcpdump.org/linktypes.html).
const (
	linkEthernet = 1
	linkRaw      = 101
)

// ReadUDPFile returns the UDP datagrams of the capture at path, in order.
func ReadUDPFile(path string) ([]Datagram, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return ReadUDP(b)
}

// ReadUDP returns the UDP datagrams of a capture held in b, in order.
func ReadUDP(b []byte) ([]Datagram, error) {
	if len(b) < 24 {
		return nil, errors.New("pcap: short file header")
	}
	var bo binary.ByteOrder
	switch binary.LittleEndian.Uint32(b) {
	case 0xa1b2c3d4, 0xa1b23c4d:
		bo = binary.LittleEndian
	case 0xd4c3b2a1, 0x4d3cb2a1:
		bo = binary.BigEndian
	default:
		return nil, errors.New("pcap: not a classic pcap file")
	}
	link := bo.Uint32(b[20:])
	var out []Datagram
	for off := 24; off < len(b); {
		if off+16 > len(b) {
			return nil, fmt.Errorf("pcap: truncated record header at %d", off)
		}
		incl := int(bo.Uint32(b[off+8:]))
		off += 16
		if off+incl > len(b) {
			return nil, fmt.Errorf("pcap: truncated record at %d", off)
		}
		frame := b[off : off+incl]
		off += incl
		if link == linkEthernet {
			if len(frame) < 14 {
				continue
			}
			frame = frame[14:]
		} else if link != linkRaw {
			return nil, fmt.Errorf("pcap: unsupported link type %d", link)
		}
		if d, ok := udp(frame); ok {
			out = append(out, d)
		}
	}
	return out, nil
}

// udp extracts the UDP datagram of an IPv4 or IPv6 packet.
func udp(ip []byte) (Datagram, bool) {
	if len(ip) < 1 {
		return Datagram{}, false
	}
	var src, dst netip.Addr
	var l4 []byte
	switch ip[0] >> 4 {
	case 4:
		ihl := int(ip[0]&0x0f) * 4
		if len(ip) < 20 || ihl < 20 || len(ip) < ihl || ip[9] != 17 {
			return Datagram{}, false
		}
		total := int(binary.BigEndian.Uint16(ip[2:]))
		if total < ihl || total > len(ip) {
			return Datagram{}, false
		}
		src = netip.AddrFrom4([4]byte(ip[12:16]))
		dst = netip.AddrFrom4([4]byte(ip[16:20]))
		l4 = ip[ihl:total]
	case 6:
		if len(ip) < 40 || ip[6] != 17 {
			return Datagram{}, false
		}
		plen := int(binary.BigEndian.Uint16(ip[4:]))
		if 40+plen > len(ip) {
			return Datagram{}, false
		}
		src = netip.AddrFrom16([16]byte(ip[8:24]))
		dst = netip.AddrFrom16([16]byte(ip[24:40]))
		l4 = ip[40 : 40+plen]
	default:
		return Datagram{}, false
	}
	if len(l4) < 8 {
		return Datagram{}, false
	}
	ulen := int(binary.BigEndian.Uint16(l4[4:]))
	if ulen < 8 || ulen > len(l4) {
		return Datagram{}, false
	}
	return Datagram{
		Src:     netip.AddrPortFrom(src, binary.BigEndian.Uint16(l4[0:])),
		Dst:     netip.AddrPortFrom(dst, binary.BigEndian.Uint16(l4[2:])),
		Payload: l4[8:ulen],
	}, true
}
