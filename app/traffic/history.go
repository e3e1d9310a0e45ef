// Package traffic turns the helper's byte counters into what the desktop
// app shows: throughput over the last minutes for the live graph, and
// counts, rates and durations written for people.
package traffic

import "time"

// Sample is the throughput over the interval ending at At.
type Sample struct {
	// At is when the counters were read.
	At time.Time
	// In and Out are bytes per second received and sent.
	In, Out float64
}

// History keeps the throughput of one connection over a window of time,
// in a fixed number of samples: old samples are overwritten, so a long
// session costs no memory growth.
type History struct {
	window  time.Duration
	samples []Sample // ring
	next    int
	full    bool

	have            bool
	lastAt          time.Time
	lastIn, lastOut uint64
}

// NewHistory returns a History of the last window, holding at most
// capacity samples (window divided by the polling interval, say).
func NewHistory(window time.Duration, capacity int) *History {
	return &History{window: window, samples: make([]Sample, max(capacity, 1))}
}

// Window returns the span of time the History covers.
func (h *History) Window() time.Duration { return h.window }

// Add records the counters read at at. The rate is the difference to the
// previous reading; counters that went down (a new tunnel started from
// zero) start a new baseline without a sample.
func (h *History) Add(at time.Time, bytesIn, bytesOut uint64) {
	defer func() { h.have, h.lastAt, h.lastIn, h.lastOut = true, at, bytesIn, bytesOut }()
	if !h.have || bytesIn < h.lastIn || bytesOut < h.lastOut {
		return
	}
	dt := at.Sub(h.lastAt).Seconds()
	if dt <= 0 {
		return
	}
	h.samples[h.next] = Sample{At: at, In: float64(bytesIn-h.lastIn) / dt, Out: float64(bytesOut-h.lastOut) / dt}
	h.next = (h.next + 1) % len(h.samples)
	h.full = h.full || h.next == 0
}

// Reset forgets every sample and the baseline, for a connection that went
// down.
func (h *History) Reset() {
	h.next, h.full, h.have = 0, false, false
}

// Samples returns the samples within the window before now, oldest first.
func (h *History) Samples(now time.Time) []Sample {
	var out []Sample
	start, n := 0, h.next
	if h.full {
		start, n = h.next, len(h.samples)
	}
	for i := range n {
		s := h.samples[(start+i)%len(h.samples)]
		if now.Sub(s.At) <= h.window {
			out = append(out, s)
		}
	}
	return out
}

// Peak returns the highest rate, in or out, among samples.
func Peak(samples []Sample) float64 {
	var p float64
	for _, s := range samples {
		p = max(p, s.In, s.Out)
	}
	return p
}
