package esp

import (
	"crypto/cipher"
	"crypto/hmac"
	"fmt"
	"testing"

	"github.com/espressovpn/espresso/ipsec/suite"
)

// BenchmarkESP measures Seal and Open per suite and size beside the bare
// cipher doing the same work ("rawseal", "rawopen": the AEAD alone, or CBC
// plus HMAC), so the report can state the cost of the ESP framing as a ratio
// measured in the same run.
func BenchmarkESP(b *testing.B) {
	for _, ts := range testSuites {
		for _, n := range []int{64, 512, 1400} {
			name := fmt.Sprintf("%s/%d", ts.name, n)
			b.Run(name+"/seal", func(b *testing.B) { benchSeal(b, ts, n) })
			b.Run(name+"/open", func(b *testing.B) { benchOpen(b, ts, n) })
			b.Run(name+"/rawseal", func(b *testing.B) { benchRaw(b, ts, n, false) })
			b.Run(name+"/rawopen", func(b *testing.B) { benchRaw(b, ts, n, true) })
		}
	}
}

func benchSeal(b *testing.B, ts testSuite, n int) {
	sa := ts.newSA(b, false)
	var s Scratch
	off := sa.HeaderRoom()
	buf := make([]byte, off+n, off+n+sa.TrailerRoom())
	b.SetBytes(int64(n))
	b.ReportAllocs()
	seq := uint64(1)
	for b.Loop() {
		if _, _, err := sa.Seal(&s, buf, off, n, seq, NextIPv4); err != nil {
			b.Fatal(err)
		}
		seq++
	}
}

func benchOpen(b *testing.B, ts testSuite, n int) {
	sa := ts.newSA(b, false)
	var s Scratch
	pkt := seal(b, sa, &s, make([]byte, n), 1, NextIPv4)
	work := make([]byte, len(pkt))
	b.SetBytes(int64(n))
	b.ReportAllocs()
	for b.Loop() {
		copy(work, pkt)
		if _, _, err := sa.Open(&s, work, 1); err != nil {
			b.Fatal(err)
		}
	}
}

// benchRaw runs the bare primitive on the same number of bytes ESP encrypts
// (payload, padding and trailer), including the copy benchOpen also makes.
func benchRaw(b *testing.B, ts testSuite, n int, open bool) {
	p := ts.params(1, false, 7)
	sa := ts.newSA(b, false)
	ctLen := n + sa.padLen(n) + 2
	b.SetBytes(int64(n))
	b.ReportAllocs()
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
			for b.Loop() {
				aead.Seal(buf[:0], nonce, buf, aad)
			}
			return
		}
		ct := aead.Seal(nil, nonce, buf, aad)
		work := make([]byte, len(ct))
		for b.Loop() {
			copy(work, ct)
			if _, err := aead.Open(work[:0], nonce, work, aad); err != nil {
				b.Fatal(err)
			}
		}
		return
	}
	block, _ := suite.NewBlock(ts.encr, p.EncrKey)
	iv := make([]byte, 16)
	enc := cipher.NewCBCEncrypter(block, iv)
	dec := cipher.NewCBCDecrypter(block, iv)
	mac := hmac.New(suite.NewIntegHash(ts.integ), p.IntegKey)
	buf := make([]byte, 24+ctLen)
	sum := make([]byte, 0, 64)
	for b.Loop() {
		mac.Reset()
		if open {
			mac.Write(buf)
			sum = mac.Sum(sum[:0])
			dec.CryptBlocks(buf[24:], buf[24:])
		} else {
			enc.CryptBlocks(buf[24:], buf[24:])
			mac.Write(buf)
			sum = mac.Sum(sum[:0])
		}
	}
}
