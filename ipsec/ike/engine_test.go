package ike_test

import (
	"encoding/binary"
	"net/netip"
	"testing"

	"github.com/espressovpn/espresso/ipsec/datapath"
	"github.com/espressovpn/espresso/ipsec/datapath/datapathtest"
	"github.com/espressovpn/espresso/ipsec/sad"
	"github.com/espressovpn/espresso/ipsec/socket"
)

// memEngine is a real ESP engine on an in-memory TUN device.
type memEngine struct {
	e   *datapath.Engine
	dev *datapathtest.Device
}

func newMemEngine(t testing.TB, udp socket.Transport) *memEngine {
	t.Helper()
	dev := datapathtest.NewDevice(16, 4096)
	e, err := datapath.New(datapath.Config{Device: dev, UDP: udp, Workers: 2, Backpressure: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		// The engine's readers return once their device and socket close.
		dev.Close()
		udp.Close()
		e.Close()
	})
	return &memEngine{e: e, dev: dev}
}

// drops names the engine's non-zero drop counters, to tell where a lost
// packet went.
func (m *memEngine) drops() map[string]uint64 {
	out := map[string]uint64{}
	for r, n := range m.e.Stats().Drops {
		if n != 0 {
			out[sad.DropReason(r).String()] = n
		}
	}
	return out
}

// udp4 builds an IPv4/UDP packet carrying seq in its payload.
func udp4(src, dst netip.Addr, seq uint32, size int) []byte {
	p := make([]byte, max(size, 32))
	p[0] = 0x45
	binary.BigEndian.PutUint16(p[2:], uint16(len(p)))
	p[8] = 64
	p[9] = 17
	s, d := src.As4(), dst.As4()
	copy(p[12:16], s[:])
	copy(p[16:20], d[:])
	var sum uint32
	for i := 0; i < 20; i += 2 {
		sum += uint32(binary.BigEndian.Uint16(p[i:]))
	}
	for sum > 0xffff {
		sum = sum&0xffff + sum>>16
	}
	binary.BigEndian.PutUint16(p[10:], ^uint16(sum))
	binary.BigEndian.PutUint16(p[20:], 40000)
	binary.BigEndian.PutUint16(p[22:], 9)
	binary.BigEndian.PutUint16(p[24:], uint16(len(p)-20))
	binary.BigEndian.PutUint32(p[28:], seq)
	return p
}

// seqOf reads the sequence number udp4 wrote.
func seqOf(p []byte) uint32 { return binary.BigEndian.Uint32(p[28:]) }
