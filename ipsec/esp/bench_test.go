package esp

import (
	"crypto/cipher"
	"crypto/hmac"
	"fmt"
	"hash"
	"slices"
	"testing"
	"time"

	"github.com/espressovpn/espresso/ipsec/suite"
)

// BenchmarkESP measures Seal and Open per suite and size beside the bare
// cipher doing the same work (the AEAD alone, or CBC plus HMAC), so the
// report can state the cost of the ESP framing as a ratio measured in the
// same run.
//
// On a busy machine two benchmarks run one after the other see different
// loads, so their ratio is noise. Here the ESP operation and the bare one
// alternate in short chunks inside one benchmark, and the figures reported
// are medians over the chunks: ns/op (ESP alone; it replaces the
// framework's figure, which would count both), raw-ns/op, and ratio, the
// median of the per-chunk ratios. allocs/op counts both, and the bare
// primitives allocate nothing.
func BenchmarkESP(b *testing.B) {
	for _, ts := range testSuites {
		for _, n := range []int{64, 512, 1400} {
			name := fmt.Sprintf("%s/%d", ts.name, n)
			b.Run(name+"/seal", func(b *testing.B) { benchPair(b, n, newSealer(b, ts, n), newRaw(b, ts, n, false)) })
			b.Run(name+"/open", func(b *testing.B) { benchPair(b, n, newOpener(b, ts, n), newRaw(b, ts, n, true)) })
		}
	}
}

// benchChunk is how many operations run back to back before the benchmark
// switches between ESP and the bare primitive: long enough that reading the
// clock costs little, short enough that a burst of load from elsewhere hits
// both sides alike.
const benchChunk = 32

// benchPair runs esp and raw b.N times each, alternating in chunks, and
// reports the medians.
func benchPair(b *testing.B, n int, esp, raw func()) {
	chunks := (b.N + benchChunk - 1) / benchChunk
	espNs := make([]float64, 0, chunks)
	rawNs := make([]float64, 0, chunks)
	ratios := make([]float64, 0, chunks)
	b.SetBytes(int64(n))
	b.ReportAllocs()
	b.ResetTimer()
	for done := 0; done < b.N; done += benchChunk {
		k := min(benchChunk, b.N-done)
		// Alternate which side goes first, so neither always follows the
		// other's cache footprint.
		first, second := esp, raw
		if len(ratios)%2 == 1 {
			first, second = raw, esp
		}
		t0 := time.Now()
		for range k {
			first()
		}
		t1 := time.Now()
		for range k {
			second()
		}
		t2 := time.Now()
		e, r := t1.Sub(t0), t2.Sub(t1)
		if len(ratios)%2 == 1 {
			e, r = r, e
		}
		espNs = append(espNs, float64(e)/float64(k))
		rawNs = append(rawNs, float64(r)/float64(k))
		ratios = append(ratios, float64(e)/float64(max(r, 1)))
	}
	b.StopTimer()
	m := median(espNs)
	b.ReportMetric(m, "ns/op")
	b.ReportMetric(float64(n)*1e3/m, "MB/s")
	b.ReportMetric(median(rawNs), "raw-ns/op")
	b.ReportMetric(median(ratios), "ratio")
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

// newSealer returns one Seal of an n-byte payload per call.
func newSealer(b *testing.B, ts testSuite, n int) func() {
	sa := ts.newSA(b, false)
	s := new(Scratch)
	off := sa.HeaderRoom()
	buf := make([]byte, off+n, off+n+sa.TrailerRoom())
	seq := uint64(1)
	return func() {
		if _, _, err := sa.Seal(s, buf, off, n, seq, NextIPv4); err != nil {
			b.Fatal(err)
		}
		seq++
	}
}

// newOpener returns one Open of an n-byte payload per call, with the copy
// that in-place decryption of the same packet needs each time.
func newOpener(b *testing.B, ts testSuite, n int) func() {
	sa := ts.newSA(b, false)
	s := new(Scratch)
	pkt := seal(b, sa, s, make([]byte, n), 1, NextIPv4)
	work := make([]byte, len(pkt))
	return func() {
		copy(work, pkt)
		if _, _, err := sa.Open(s, work, 1); err != nil {
			b.Fatal(err)
		}
	}
}

// newRaw returns the bare primitive on the same number of bytes ESP
// encrypts (payload, padding and trailer) with the same AAD, including the
// copy the opener also makes.
func newRaw(b *testing.B, ts testSuite, n int, open bool) func() {
	p := ts.params(1, false, 7)
	sa := ts.newSA(b, false)
	ctLen := n + sa.padLen(n) + 2
	if suite.IsAEAD(ts.encr) {
		key, salt, _ := suite.SplitAEADKey(ts.encr, p.EncrKey)
		aead, err := suite.NewAEAD(ts.encr, key)
		if err != nil {
			b.Fatal(err)
		}
		nonce := make([]byte, 12)
		copy(nonce, salt)
		aad := make([]byte, 8)
		buf := make([]byte, ctLen, ctLen+16)
		if !open {
			return func() { aead.Seal(buf[:0], nonce, buf, aad) }
		}
		ct := aead.Seal(nil, nonce, buf, aad)
		work := make([]byte, len(ct))
		return func() {
			copy(work, ct)
			if _, err := aead.Open(work[:0], nonce, work, aad); err != nil {
				b.Fatal(err)
			}
		}
	}
	block, _ := suite.NewBlock(ts.encr, p.EncrKey)
	iv := make([]byte, 16)
	enc := cipher.NewCBCEncrypter(block, iv)
	dec := cipher.NewCBCDecrypter(block, iv)
	var mac hash.Hash = hmac.New(suite.NewIntegHash(ts.integ), p.IntegKey)
	buf := make([]byte, 24+ctLen)
	sum := make([]byte, 0, 64)
	if open {
		return func() {
			mac.Reset()
			mac.Write(buf)
			sum = mac.Sum(sum[:0])
			dec.CryptBlocks(buf[24:], buf[24:])
		}
	}
	return func() {
		mac.Reset()
		enc.CryptBlocks(buf[24:], buf[24:])
		mac.Write(buf)
		sum = mac.Sum(sum[:0])
	}
}
