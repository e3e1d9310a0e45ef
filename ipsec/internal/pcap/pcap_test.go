package pcap

import (
	"bytes"
	"encoding/binary"
	"errors"
	"net/netip"
	"testing"
)

// capture builds a classic pcap stream in the given byte order and link type.
func capture(order binary.AppendByteOrder, link uint32, frames ...[]byte) []byte {
	var b []byte
	b = order.AppendUint32(b, 0xa1b2c3d4)
	b = order.AppendUint16(b, 2)
	b = order.AppendUint16(b, 4)
	b = append(b, make([]byte, 8)...)
	b = order.AppendUint32(b, 65535)
	b = order.AppendUint32(b, link)
	for i, f := range frames {
		b = order.AppendUint32(b, uint32(1000+i))
		b = order.AppendUint32(b, 250)
		b = order.AppendUint32(b, uint32(len(f)))
		b = order.AppendUint32(b, uint32(len(f)))
		b = append(b, f...)
	}
	return b
}

func udp4(src, dst netip.AddrPort, payload []byte) []byte {
	ip := make([]byte, 28, 28+len(payload))
	ip[0] = 0x45
	binary.BigEndian.PutUint16(ip[2:], uint16(28+len(payload)))
	ip[9] = 17
	copy(ip[12:], src.Addr().AsSlice())
	copy(ip[16:], dst.Addr().AsSlice())
	binary.BigEndian.PutUint16(ip[20:], src.Port())
	binary.BigEndian.PutUint16(ip[22:], dst.Port())
	binary.BigEndian.PutUint16(ip[24:], uint16(8+len(payload)))
	return append(ip, payload...)
}

func udp6(src, dst netip.AddrPort, payload []byte) []byte {
	ip := make([]byte, 48, 48+len(payload))
	ip[0] = 0x60
	binary.BigEndian.PutUint16(ip[4:], uint16(8+len(payload)))
	ip[6] = 17
	copy(ip[8:], src.Addr().AsSlice())
	copy(ip[24:], dst.Addr().AsSlice())
	binary.BigEndian.PutUint16(ip[40:], src.Port())
	binary.BigEndian.PutUint16(ip[42:], dst.Port())
	binary.BigEndian.PutUint16(ip[44:], uint16(8+len(payload)))
	return append(ip, payload...)
}

func ether(etype uint16, ip []byte) []byte {
	f := make([]byte, 14, 14+len(ip))
	binary.BigEndian.PutUint16(f[12:], etype)
	return append(f, ip...)
}

func TestReadLinkTypesAndClassify(t *testing.T) {
	c4 := netip.MustParseAddrPort("192.0.2.2:4500")
	g4 := netip.MustParseAddrPort("192.0.2.1:4500")
	c6 := netip.MustParseAddrPort("[2001:db8::2]:500")
	g6 := netip.MustParseAddrPort("[2001:db8::1]:500")
	ike := []byte{0, 0, 0, 0, 0xaa, 0xbb}
	esp := []byte{0x12, 0x34, 0x56, 0x78, 0, 0, 0, 1}
	tcp := udp4(c4, g4, ike)
	tcp[9] = 6
	fragment := udp4(c4, g4, ike)
	fragment[6] = 0x20 // more fragments
	frames := [][]byte{
		ether(0x0800, udp4(c4, g4, ike)),
		ether(0x86dd, udp6(c6, g6, []byte{1, 2, 3})),
		ether(0x0800, udp4(g4, c4, esp)),
		ether(0x0800, udp4(c4, g4, []byte{0xff})),
		ether(0x0800, tcp),
		ether(0x0800, fragment),
		ether(0x0806, make([]byte, 28)),
	}
	for _, order := range []binary.AppendByteOrder{binary.LittleEndian, binary.BigEndian} {
		ds, err := Read(bytes.NewReader(capture(order, linkEthernet, frames...)))
		if err != nil {
			t.Fatal(err)
		}
		if len(ds) != 4 {
			t.Fatalf("%v: got %d datagrams, want 4", order, len(ds))
		}
		if ds[0].Src != c4 || ds[0].Dst != g4 || ds[0].Time.Unix() != 1000 || ds[0].Time.Nanosecond() != 250000 {
			t.Errorf("first datagram: %v -> %v at %v", ds[0].Src, ds[0].Dst, ds[0].Time)
		}
		if m, ok := ds[0].IKE(); !ok || !bytes.Equal(m, ike[4:]) {
			t.Errorf("port 4500 IKE: %x %v", m, ok)
		}
		if m, ok := ds[1].IKE(); !ok || !bytes.Equal(m, []byte{1, 2, 3}) || ds[1].Src != c6 {
			t.Errorf("port 500 IKE over IPv6: %x %v from %v", m, ok, ds[1].Src)
		}
		if _, ok := ds[2].IKE(); ok {
			t.Error("ESP classified as IKE")
		}
		if p, ok := ds[2].ESP(); !ok || !bytes.Equal(p, esp) {
			t.Errorf("ESP: %x %v", p, ok)
		}
		if _, ok := ds[3].IKE(); ok {
			t.Error("keepalive classified as IKE")
		}
		if _, ok := ds[3].ESP(); ok {
			t.Error("keepalive classified as ESP")
		}
	}
	raw, err := Read(bytes.NewReader(capture(binary.LittleEndian, linkRaw, udp4(c4, g4, ike))))
	if err != nil || len(raw) != 1 {
		t.Fatalf("raw IP: %d datagrams, %v", len(raw), err)
	}
	sll := append(make([]byte, 14), 0x08, 0x00)
	sll = append(sll, udp4(c4, g4, ike)...)
	cooked, err := Read(bytes.NewReader(capture(binary.LittleEndian, linkLinuxSLL, sll)))
	if err != nil || len(cooked) != 1 {
		t.Fatalf("Linux cooked: %d datagrams, %v", len(cooked), err)
	}
}

func TestReadErrors(t *testing.T) {
	good := capture(binary.LittleEndian, linkEthernet, ether(0x0800, udp4(
		netip.MustParseAddrPort("192.0.2.2:500"), netip.MustParseAddrPort("192.0.2.1:500"), []byte{1})))
	huge := capture(binary.LittleEndian, linkEthernet)
	huge = binary.LittleEndian.AppendUint32(huge, 0)
	huge = binary.LittleEndian.AppendUint32(huge, 0)
	huge = binary.LittleEndian.AppendUint32(huge, maxRecord+1)
	huge = binary.LittleEndian.AppendUint32(huge, maxRecord+1)
	for name, in := range map[string][]byte{
		"empty":          nil,
		"bad magic":      append([]byte{1, 2, 3, 4}, good[4:]...),
		"short record":   good[:len(good)-1],
		"partial header": good[:30],
		"huge record":    huge,
	} {
		if _, err := Read(bytes.NewReader(in)); !errors.Is(err, ErrFormat) {
			t.Errorf("%s: err = %v, want ErrFormat", name, err)
		}
	}
}
