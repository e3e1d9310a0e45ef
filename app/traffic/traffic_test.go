package traffic

import (
	"testing"
	"time"
)

func TestHistoryRatesWindowAndRing(t *testing.T) {
	t0 := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	h := NewHistory(10*time.Second, 4)
	h.Add(t0, 0, 0)
	if got := h.Samples(t0); len(got) != 0 {
		t.Fatalf("a baseline made samples: %v", got)
	}
	h.Add(t0.Add(2*time.Second), 2000, 500)
	got := h.Samples(t0.Add(2 * time.Second))
	if len(got) != 1 || got[0].In != 1000 || got[0].Out != 250 {
		t.Fatalf("samples = %+v", got)
	}
	// Six more samples in a ring of four: the oldest are overwritten and
	// the rest come oldest first.
	in := uint64(2000)
	for i := 3; i <= 8; i++ {
		in += uint64(i) * 100
		h.Add(t0.Add(time.Duration(i)*time.Second), in, 500)
	}
	got = h.Samples(t0.Add(8 * time.Second))
	if len(got) != 4 {
		t.Fatalf("len = %d, want 4", len(got))
	}
	for i, s := range got {
		if want := float64(i+5) * 100; s.In != want {
			t.Errorf("sample %d: in = %v, want %v", i, s.In, want)
		}
	}
	if p := Peak(got); p != 800 {
		t.Errorf("peak = %v", p)
	}
	// Samples older than the window are left out.
	if got = h.Samples(t0.Add(16500 * time.Millisecond)); len(got) != 2 {
		t.Errorf("after the window moved: %d samples, want 2", len(got))
	}
	// A counter that went down is a new tunnel: new baseline, no sample.
	h.Add(t0.Add(9*time.Second), 10, 10)
	if got = h.Samples(t0.Add(9 * time.Second)); len(got) != 4 || got[3].At != t0.Add(8*time.Second) {
		t.Errorf("after a reset of the counters: %+v", got)
	}
	h.Reset()
	if got = h.Samples(t0.Add(9 * time.Second)); len(got) != 0 {
		t.Errorf("after Reset: %+v", got)
	}
}

func TestFormats(t *testing.T) {
	for n, want := range map[uint64]string{0: "0 B", 999: "999 B", 1500: "1.50 kB", 12345678: "12.3 MB", 4e9: "4.00 GB", 5e15: "5000 TB"} {
		if got := Bytes(n); got != want {
			t.Errorf("Bytes(%d) = %q, want %q", n, got, want)
		}
	}
	for r, want := range map[float64]string{0: "0 bit/s", 100: "800 bit/s", 1e5: "800 kbit/s", 1562500: "12.5 Mbit/s", 2e9: "16.0 Gbit/s"} {
		if got := Rate(r); got != want {
			t.Errorf("Rate(%v) = %q, want %q", r, got, want)
		}
	}
	for d, want := range map[time.Duration]string{-time.Second: "0s", 42 * time.Second: "42s", 307 * time.Second: "5m 07s",
		3*time.Hour + 5*time.Minute + 9*time.Second: "3h 05m", 52 * time.Hour: "2d 4h"} {
		if got := Duration(d); got != want {
			t.Errorf("Duration(%v) = %q, want %q", d, got, want)
		}
	}
}
