package platform

import (
	"sync"
	"time"
)

// Defaults of a WakeDetector.
const (
	// DefaultWakeInterval is how often the clocks are compared. A resume
	// is noticed within one interval.
	DefaultWakeInterval = 5 * time.Second
	// DefaultWakeThreshold is how far the wall clock must run ahead of
	// the monotonic clock within one interval to count as a sleep. It
	// stays above the steps an NTP client makes to a drifting clock.
	DefaultWakeThreshold = 10 * time.Second
)

// WakeDetector notices that the system slept, the portable way: the wall
// clock runs on while the system is suspended, the monotonic clock Go
// measures intervals with does not (CLOCK_MONOTONIC on Linux,
// mach_absolute_time on macOS). When, between two ticks, the wall clock
// has advanced further than the monotonic clock by more than a threshold,
// the system was asleep in between. A wall clock set forward by hand
// looks the same; the cost of that false report is one early reconnection
// attempt.
//
// Its goroutine is stopped by Close.
type WakeDetector struct {
	interval, threshold time.Duration
	clock               wakeClock
	notify              func(slept time.Duration)
	quit, done          chan struct{}
	stop                sync.Once
}

// wakeClock reads the two clocks; tests replace the wall clock.
type wakeClock struct {
	// mono returns a monotonic reading.
	mono func() time.Time
	// wall returns the wall clock, without a monotonic reading.
	wall func() time.Time
}

var systemClock = wakeClock{
	mono: time.Now,
	wall: func() time.Time { return time.Now().Round(0) },
}

// NewWakeDetector starts a detector that calls notify, from its own
// goroutine, with how long the system slept each time it resumes. Zero
// durations take the defaults.
func NewWakeDetector(interval, threshold time.Duration, notify func(slept time.Duration)) *WakeDetector {
	return newWakeDetector(interval, threshold, systemClock, notify)
}

func newWakeDetector(interval, threshold time.Duration, clock wakeClock, notify func(time.Duration)) *WakeDetector {
	if interval <= 0 {
		interval = DefaultWakeInterval
	}
	if threshold <= 0 {
		threshold = DefaultWakeThreshold
	}
	w := &WakeDetector{
		interval:  interval,
		threshold: threshold,
		clock:     clock,
		notify:    notify,
		quit:      make(chan struct{}),
		done:      make(chan struct{}),
	}
	go w.run()
	return w
}

func (w *WakeDetector) run() {
	defer close(w.done)
	t := time.NewTicker(w.interval)
	defer t.Stop()
	lastMono, lastWall := w.clock.mono(), w.clock.wall()
	for {
		select {
		case <-w.quit:
			return
		case <-t.C:
		}
		mono, wall := w.clock.mono(), w.clock.wall()
		if gap := wall.Sub(lastWall) - mono.Sub(lastMono); gap > w.threshold {
			w.notify(gap)
		}
		lastMono, lastWall = mono, wall
	}
}

// Close stops the detector and waits for its goroutine.
func (w *WakeDetector) Close() {
	w.stop.Do(func() { close(w.quit) })
	<-w.done
}
