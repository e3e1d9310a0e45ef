package replay

import (
	"math/rand/v2"
	"testing"
)

// model is the naive anti-replay window of RFC 4303 §3.4.3: a set of every
// number seen and the highest one.
type model struct {
	size uint64
	top  uint64
	seen map[uint64]bool
}

func (m *model) accept(seq uint64) bool {
	if seq == 0 || m.seen[seq] {
		return false
	}
	if seq <= m.top && m.top-seq >= m.size {
		return false
	}
	m.seen[seq] = true
	m.top = max(m.top, seq)
	return true
}

// receive runs the receiver side for a genuine packet numbered seq of which
// only the low 32 bits travel: infer, check, then update, where a wrongly
// inferred high half stands for the integrity failure it would cause.
func receive(w *Window, seq uint64) bool {
	got, ok := w.Infer(uint32(seq))
	if !ok || got != seq || !w.Check(got) {
		return false
	}
	return w.Update(got)
}

func runModel(t *testing.T, size int, esn bool, start uint64, steps int, rng *rand.Rand) {
	t.Helper()
	w := New(size, esn)
	m := &model{size: uint64(w.Size()), seen: map[uint64]bool{}}
	if start > 0 {
		// Place the window as if the SA had been running for a while.
		if !w.Update(start) || !m.accept(start) {
			t.Fatalf("start %d refused", start)
		}
	}
	W := uint64(w.Size())
	for i := range steps {
		var seq uint64
		switch r := rng.IntN(10); {
		case r < 4: // ahead, sometimes far
			seq = m.top + 1 + rng.Uint64N(3*W)
		case r < 8: // behind, inside or just outside the window
			seq = m.top - min(m.top, rng.Uint64N(W+W/2))
		default: // an exact replay of the top
			seq = m.top
		}
		if !esn && seq >= 1<<32 {
			continue
		}
		if esn && seq+W > m.top && seq <= m.top+1<<31 {
			// In the range RFC 4303 Appendix A2 covers, inference must be exact.
			if got, ok := w.Infer(uint32(seq)); !ok || got != seq {
				t.Fatalf("step %d: Infer(%#x) = %#x, %v; top %#x, want %#x", i, uint32(seq), got, ok, m.top, seq)
			}
		}
		want := m.accept(seq)
		if got := receive(w, seq); got != want {
			t.Fatalf("step %d: seq %#x (top %#x): window says %v, model %v", i, seq, w.Top(), got, want)
		}
		if w.Top() != m.top {
			t.Fatalf("step %d: top %#x, model %#x", i, w.Top(), m.top)
		}
	}
}

func TestWindowAgainstModel(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, size := range []int{1, 32, 64, 65, 128, 1000, 1024, 4096} {
		runModel(t, size, false, 0, 20000, rng)
		runModel(t, size, true, 0, 20000, rng)
		// Start just below the 2^32 boundary so the window crosses it.
		runModel(t, size, true, 1<<32-uint64(3*size), 20000, rng)
		runModel(t, size, true, 5<<32-uint64(size/2+1), 20000, rng)
	}
}

func TestWindow32BitLimit(t *testing.T) {
	w := New(64, false)
	if !w.Update(1<<32 - 1) {
		t.Fatal("last 32-bit number refused")
	}
	if w.Check(1 << 32) {
		t.Fatal("number beyond 32 bits accepted without ESN")
	}
}

func TestInferBeforeStart(t *testing.T) {
	w := New(1024, true)
	// With nothing received, a low half near 2^32 would need a negative high half.
	if _, ok := w.Infer(^uint32(0)); ok {
		t.Fatal("inferred a number before the first packet")
	}
	if got, ok := w.Infer(1); !ok || got != 1 {
		t.Fatalf("Infer(1) = %d, %v", got, ok)
	}
}

func TestZeroRefused(t *testing.T) {
	w := New(0, true)
	if w.Size() != DefaultSize {
		t.Fatalf("default size %d", w.Size())
	}
	if w.Check(0) || w.Update(0) {
		t.Fatal("sequence number 0 accepted")
	}
}

func FuzzWindow(f *testing.F) {
	f.Add(uint16(64), true, []byte{1, 2, 3, 200, 7, 7, 255})
	f.Fuzz(func(t *testing.T, size uint16, esn bool, steps []byte) {
		w := New(int(size%5000)+1, esn)
		m := &model{size: uint64(w.Size()), seen: map[uint64]bool{}}
		for _, b := range steps {
			seq := m.top + uint64(b) - 128
			if b < 128 && uint64(128-b) > m.top {
				seq = uint64(b)
			}
			if m.accept(seq) != receive(w, seq) {
				t.Fatalf("mismatch at %d", seq)
			}
		}
	})
}
