package datapath_test

import (
	"encoding/binary"
	"github.com/espressovpn/espresso/ipsec/socket/sockettest"
	"net/netip"
	"testing"

	"github.com/espressovpn/espresso/ipsec/datapath"
	"github.com/espressovpn/espresso/ipsec/datapath/datapathtest"
	"github.com/espressovpn/espresso/ipsec/esp"
	"github.com/espressovpn/espresso/ipsec/sad"
	"github.com/espressovpn/espresso/ipsec/spd"
	"github.com/espressovpn/espresso/ipsec/suite"
)

var (
	addrA = netip.MustParseAddrPort("198.51.100.1:4500")
	addrB = netip.MustParseAddrPort("203.0.113.1:4500")
	// Inner addresses: A's side and B's side of the tunnel.
	innerA4 = netip.MustParseAddr("198.18.0.1")
	innerB4 = netip.MustParseAddr("198.19.0.1")
	innerA6 = netip.MustParseAddr("2001:db8:a::1")
	innerB6 = netip.MustParseAddr("2001:db8:b::1")
)

// side is one engine with its in-memory device and transport end.
type side struct {
	e   *datapath.Engine
	dev *datapathtest.Device
	tr  *sockettest.Transport
}

// pairUp starts two engines connected by an in-memory link and stops them
// when the test ends.
func pairUp(t testing.TB, cfg datapath.Config) (a, b *side) {
	t.Helper()
	ta, tb := sockettest.Pipe(addrA, addrB, 1024, 32)
	a = &side{dev: datapathtest.NewDevice(32, 4096), tr: ta}
	b = &side{dev: datapathtest.NewDevice(32, 4096), tr: tb}
	for _, s := range []*side{a, b} {
		c := cfg
		c.Device, c.UDP = s.dev, s.tr
		e, err := datapath.New(c)
		if err != nil {
			t.Fatal(err)
		}
		s.e = e
	}
	t.Cleanup(func() {
		for _, s := range []*side{a, b} {
			s.dev.Close()
			s.tr.Close()
			s.e.Close()
		}
	})
	return a, b
}

var gcm128 = suite.Transform{Type: suite.TypeEncr, ID: suite.EncrAESGCM16, KeyBits: 128}

func key(seed byte, n int) []byte {
	k := make([]byte, n)
	for i := range k {
		k[i] = seed + byte(i)
	}
	return k
}

// childSAs returns the two halves of one Child SA: A's view and B's.
func childSAs(reqID, spiA, spiB uint32, encr suite.Transform, integ suite.TransformID, esn bool) (forA, forB datapath.ChildSA) {
	n, _ := suite.EncrKeyMatLen(encr)
	ab := esp.Params{SPI: spiB, Encr: encr, Integ: integ, EncrKey: key(byte(spiB), n), ESN: esn}
	ba := esp.Params{SPI: spiA, Encr: encr, Integ: integ, EncrKey: key(byte(spiA)+100, n), ESN: esn}
	if integ != 0 {
		ab.IntegKey = key(byte(spiB)+1, suite.IntegKeyLen(integ))
		ba.IntegKey = key(byte(spiA)+2, suite.IntegKeyLen(integ))
	}
	selsA := []spd.Selector{
		{Local: netip.MustParsePrefix("198.18.0.0/16"), Remote: netip.MustParsePrefix("198.19.0.0/16")},
		{Local: netip.MustParsePrefix("2001:db8:a::/48"), Remote: netip.MustParsePrefix("2001:db8:b::/48")},
	}
	selsB := make([]spd.Selector, len(selsA))
	for i, s := range selsA {
		selsB[i] = spd.Selector{Local: s.Remote, Remote: s.Local}
	}
	forA = datapath.ChildSA{ReqID: reqID, In: ba, Out: ab, Peer: addrB, Encap: sad.EncapUDP, Selectors: selsA}
	forB = datapath.ChildSA{ReqID: reqID, In: ab, Out: ba, Peer: addrA, Encap: sad.EncapUDP, Selectors: selsB}
	return forA, forB
}

// udpPacket builds an IPv4 or IPv6 UDP packet from src to dst whose payload
// starts with id, padded to size bytes in all.
func udpPacket(src, dst netip.Addr, id uint32, size int) []byte {
	hl := 20
	if src.Is6() {
		hl = 40
	}
	size = max(size, hl+8+4)
	p := make([]byte, size)
	if src.Is4() {
		p[0] = 0x45
		binary.BigEndian.PutUint16(p[2:], uint16(size))
		p[8], p[9] = 64, 17
		copy(p[12:], src.AsSlice())
		copy(p[16:], dst.AsSlice())
	} else {
		p[0] = 0x60
		binary.BigEndian.PutUint16(p[4:], uint16(size-40))
		p[6], p[7] = 17, 64
		copy(p[8:], src.AsSlice())
		copy(p[24:], dst.AsSlice())
	}
	binary.BigEndian.PutUint16(p[hl:], 5000)
	binary.BigEndian.PutUint16(p[hl+2:], 6000)
	binary.BigEndian.PutUint16(p[hl+4:], uint16(size-hl))
	binary.BigEndian.PutUint32(p[hl+8:], id)
	for i := hl + 12; i < size; i++ {
		p[i] = byte(i)
	}
	return p
}
