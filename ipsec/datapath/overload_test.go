package datapath_test

import (
	"github.com/espressovpn/espresso/ipsec/socket/sockettest"
	"runtime"
	"sync/atomic"
	"testing"
	"time"

	"github.com/espressovpn/espresso/ipsec/datapath"
	"github.com/espressovpn/espresso/ipsec/datapath/datapathtest"
	"github.com/espressovpn/espresso/ipsec/sad"
)

// TestOverload offers 1400-byte packets as fast as the device can produce
// them for several seconds to an engine whose transport drains one batch per
// 2 ms. The heap may grow by no more than the engine's fixed bound (its
// buffer pools at their caps, MemoryBound) plus 4 MiB for everything else,
// and the excess must show up as counted queue-full drops.
func TestOverload(t *testing.T) {
	if testing.Short() {
		t.Skip("overload test runs for seconds")
	}
	ta, tb := sockettest.Pipe(addrA, addrB, 1024, 32)
	ta.Lossy, ta.Delay = true, 2*time.Millisecond
	dev := datapathtest.NewDevice(32, 16)
	var stop atomic.Bool
	var offered atomic.Uint64
	proto := udpPacket(innerA4, innerB4, 0, 1400)
	dev.SetSource(func(buf []byte) int {
		if stop.Load() {
			return 0
		}
		offered.Add(1)
		return copy(buf, proto)
	})
	e, err := datapath.New(datapath.Config{Device: dev, UDP: ta})
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		stop.Store(true)
		dev.Close()
		ta.Close()
		tb.Close()
		e.Close()
	}()
	runtime.GC()
	var base runtime.MemStats
	runtime.ReadMemStats(&base)

	forA, _ := childSAs(1, 0x1000, 0x2000, gcm128, 0, false)
	if err := e.Install(forA); err != nil {
		t.Fatal(err)
	}
	bound := uint64(e.MemoryBound()) + 4<<20
	var peak uint64
	for deadline := time.Now().Add(3 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		peak = max(peak, m.HeapAlloc-min(m.HeapAlloc, base.HeapAlloc))
	}
	st := e.Stats()
	t.Logf("offered %d packets, sent %d, dropped %d (queue full); heap growth peak %.1f MiB, bound %.1f MiB",
		offered.Load(), st.PacketsOut, st.Drops[sad.DropQueueFull], float64(peak)/(1<<20), float64(bound)/(1<<20))
	if peak > bound {
		t.Errorf("heap grew by %d bytes, above the bound of %d", peak, bound)
	}
	if st.Drops[sad.DropQueueFull] == 0 {
		t.Error("no queue-full drops counted under overload")
	}
	if st.PacketsOut == 0 {
		t.Error("nothing sent under overload")
	}
}
