package datapath_test

import (
	"fmt"
	"net/netip"
	"sync/atomic"
	"testing"
	"time"

	"github.com/espressovpn/espresso/ipsec/datapath"
	"github.com/espressovpn/espresso/ipsec/internal/memdev"
	"github.com/espressovpn/espresso/ipsec/spd"
)

// BenchmarkEngines measures two engines in one process carrying 1400-byte
// packets from A's device to B's device (AES-GCM-128), spread over 1 SA or
// over 10,000 SAs with one /32 policy each. The report compares the two:
// SPI and policy lookups must not make many SAs slower.
func BenchmarkEngines(b *testing.B) {
	for _, n := range []int{1, 10000} {
		b.Run(fmt.Sprintf("sas=%d", n), func(b *testing.B) { benchEngines(b, n) })
	}
}

func benchEngines(b *testing.B, nSA int) {
	ta, tb := memdev.Pipe(addrA, addrB, 1024, 32)
	devA, devB := memdev.NewDevice(32, 16), memdev.NewDevice(32, 16)
	var sent, got atomic.Int64
	var limit atomic.Int64
	arrived := make(chan struct{}, 1)
	proto := udpPacket(innerA4, innerB4, 0, 1400)
	start := make(chan struct{})
	devA.SetSource(func(buf []byte) int {
		<-start
		i := sent.Add(1)
		if i > limit.Load() {
			sent.Add(-1)
			return 0
		}
		n := copy(buf, proto)
		// Spread destinations over the SAs' /32 selectors.
		k := int(i) % nSA
		buf[18], buf[19] = byte(k>>8), byte(k)
		return n
	})
	devB.SetSink(func([]byte) {
		if got.Add(1) == limit.Load() {
			arrived <- struct{}{}
		}
	})
	cfg := datapath.Config{Backpressure: true}
	var engines []*datapath.Engine
	for _, s := range []struct {
		d *memdev.Device
		t *memdev.Transport
	}{{devA, ta}, {devB, tb}} {
		c := cfg
		c.Device, c.UDP = s.d, s.t
		e, err := datapath.New(c)
		if err != nil {
			b.Fatal(err)
		}
		engines = append(engines, e)
	}
	defer func() {
		devA.Close()
		devB.Close()
		ta.Close()
		tb.Close()
		for _, e := range engines {
			e.Close()
		}
	}()
	for k := range nSA {
		forA, forB := childSAs(uint32(k+1), uint32(0x10000+k), uint32(0x20000+k), gcm128, 0, false)
		dst := netip.AddrFrom4([4]byte{198, 19, byte(k >> 8), byte(k)})
		forA.Selectors = []spd.Selector{{Local: netip.MustParsePrefix("198.18.0.0/16"), Remote: netip.PrefixFrom(dst, 32)}}
		forB.Selectors = []spd.Selector{{Local: netip.PrefixFrom(dst, 32), Remote: netip.MustParsePrefix("198.18.0.0/16")}}
		if err := engines[0].Install(forA); err != nil {
			b.Fatal(err)
		}
		if err := engines[1].Install(forB); err != nil {
			b.Fatal(err)
		}
	}
	b.SetBytes(1400)
	b.ReportAllocs()
	b.ResetTimer()
	limit.Store(int64(b.N))
	close(start)
	select {
	case <-arrived:
	case <-time.After(5 * time.Minute):
		b.Fatalf("only %d of %d packets arrived", got.Load(), b.N)
	}
	b.StopTimer()
}
