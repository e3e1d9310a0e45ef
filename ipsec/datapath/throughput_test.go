package datapath_test

import (
	"fmt"
	"github.com/espressovpn/espresso/ipsec/socket/sockettest"
	"net/netip"
	"slices"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/espressovpn/espresso/ipsec/datapath"
	"github.com/espressovpn/espresso/ipsec/datapath/datapathtest"
	"github.com/espressovpn/espresso/ipsec/spd"
)

// benchBatch is the device batch size of the throughput benchmark, and
// benchRound the packets of one measured round: a whole number of batches,
// so a round ends exactly where a device read does.
const (
	benchBatch = 32
	benchRound = 32 * benchBatch
)

// BenchmarkEngines measures two engines in one process carrying 1400-byte
// packets from A's device to B's device (AES-GCM-128) over 1 SA and over
// 10,000 SAs with one /32 policy each, in two traffic patterns:
//
//   - trains: 32 packets in a row to one SA, then the next SA, as a TCP
//     sender's segmentation-offload burst arrives;
//   - spread: every packet to the next SA, so each one finds its SA's keys,
//     counters and replay window out of the CPU caches (the worst case).
//
// All three setups are built first and then measured in rotating rounds of
// benchRound packets, so a burst of load from elsewhere on the machine hits
// each alike; one op is one round of each. Reported: the median throughput
// of each setup over the rounds and the medians of the per-round ratios of
// 10,000 SAs to 1 SA.
func BenchmarkEngines(b *testing.B) {
	links := []*benchLink{newBenchLink(b, 1, 1, benchBatch), newBenchLink(b, 10000, 32, benchBatch), newBenchLink(b, 10000, 1, benchBatch)}
	runBench(b, links, []string{"1sa", "10000sa-trains", "10000sa-spread"})
}

// BenchmarkSmallBatches is BenchmarkEngines' 1-SA setup with devices and
// transports that read one packet at a time, as a TUN device does without
// offloads and a socket under light load: every batch holds one packet, so
// what a batch costs apart from its packets dominates.
func BenchmarkSmallBatches(b *testing.B) {
	runBench(b, []*benchLink{newBenchLink(b, 1, 1, 1)}, []string{"1sa-batch1"})
}

// runBench measures links in rotating rounds and reports their median
// throughputs, and the medians of the per-round ratios to the first link.
func runBench(b *testing.B, links []*benchLink, names []string) {
	timer := time.NewTimer(time.Minute)
	defer timer.Stop()
	round := func(l *benchLink) time.Duration {
		timer.Reset(time.Minute)
		t0 := time.Now()
		l.next <- struct{}{}
		select {
		case <-l.arrived:
		case <-timer.C:
			b.Fatalf("sas=%d: a round did not arrive within a minute", l.nSA)
		}
		return time.Since(t0)
	}
	// Warm up: the engines' buffer pools grow to their working size during
	// the first rounds, which would otherwise count as allocations.
	for range 8 {
		for _, l := range links {
			round(l)
		}
	}
	rates := make([][]float64, len(links))
	ratios := make([][]float64, len(links))
	for i := range links {
		rates[i] = make([]float64, 0, b.N)
		ratios[i] = make([]float64, 0, b.N)
	}
	took := make([]time.Duration, len(links))
	b.SetBytes(int64(len(links)) * benchRound * 1400)
	b.ReportAllocs()
	cpu0 := cpuTime()
	b.ResetTimer()
	for i := range b.N {
		// Rotate the order, so no setup always runs after the same one.
		for j := range links {
			k := (i + j) % len(links)
			took[k] = round(links[k])
		}
		for k, d := range took {
			rates[k] = append(rates[k], float64(benchRound*1400)/d.Seconds()/1e6)
			ratios[k] = append(ratios[k], float64(took[0])/float64(d))
		}
	}
	b.StopTimer()
	b.ReportMetric(float64(cpuTime()-cpu0)/float64(b.N), "cpu-ns/op")
	for k, name := range names {
		b.ReportMetric(median(rates[k]), "MB/s-"+name)
		if k > 0 {
			b.ReportMetric(median(ratios[k]), "ratio-"+name)
		}
	}
}

// cpuTime returns the CPU time the process has used, user and system: on
// a shared machine a better measure of a change's cost than wall time.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func median(v []float64) float64 {
	if len(v) == 0 {
		return 0
	}
	slices.Sort(v)
	if len(v)%2 == 1 {
		return v[len(v)/2]
	}
	return (v[len(v)/2-1] + v[len(v)/2]) / 2
}

// benchLink is two engines joined in memory with nSA Child SAs, driven in
// rounds: a token on next makes A's device produce benchRound packets, train
// in a row to each SA in turn, and arrived gets a token once B's device has
// written all of them.
type benchLink struct {
	nSA     int
	next    chan struct{}
	arrived chan struct{}
}

func newBenchLink(b *testing.B, nSA, train, batch int) *benchLink {
	l := &benchLink{nSA: nSA, next: make(chan struct{}, 1), arrived: make(chan struct{}, 1)}
	ta, tb := sockettest.Pipe(addrA, addrB, 1024, batch)
	devA, devB := datapathtest.NewDevice(batch, 16), datapathtest.NewDevice(batch, 16)
	done := make(chan struct{})
	proto := udpPacket(innerA4, innerB4, 0, 1400)
	pending, count := 0, 0 // used by A's reading goroutine only
	devA.SetSource(func(buf []byte) int {
		if pending == 0 {
			select {
			case <-l.next:
				pending = benchRound
			case <-done:
				return 0
			}
		}
		pending--
		n := copy(buf, proto)
		// Spread destinations over the SAs' /32 selectors.
		k := count / train % nSA
		count++
		buf[18], buf[19] = byte(k>>8), byte(k)
		return n
	})
	var got atomic.Int64
	devB.SetSink(func([]byte) {
		if got.Add(1)%benchRound == 0 {
			l.arrived <- struct{}{}
		}
	})
	var engines []*datapath.Engine
	b.Cleanup(func() {
		close(done)
		devA.Close()
		devB.Close()
		ta.Close()
		tb.Close()
		for _, e := range engines {
			e.Close()
		}
	})
	for _, s := range []struct {
		d *datapathtest.Device
		t *sockettest.Transport
	}{{devA, ta}, {devB, tb}} {
		e, err := datapath.New(datapath.Config{Device: s.d, UDP: s.t, Backpressure: true})
		if err != nil {
			b.Fatal(err)
		}
		engines = append(engines, e)
	}
	for k := range nSA {
		forA, forB := childSAs(uint32(k+1), uint32(0x10000+k), uint32(0x20000+k), gcm128, 0, false)
		dst := netip.AddrFrom4([4]byte{198, 19, byte(k >> 8), byte(k)})
		forA.Selectors = []spd.Selector{{Local: netip.MustParsePrefix("198.18.0.0/16"), Remote: netip.PrefixFrom(dst, 32)}}
		forB.Selectors = []spd.Selector{{Local: netip.PrefixFrom(dst, 32), Remote: netip.MustParsePrefix("198.18.0.0/16")}}
		if err := engines[0].Install(forA); err != nil {
			b.Fatal(fmt.Errorf("SA %d: %w", k, err))
		}
		if err := engines[1].Install(forB); err != nil {
			b.Fatal(fmt.Errorf("SA %d: %w", k, err))
		}
	}
	return l
}
