package platform

import (
	"sync"
	"time"
)

// Settling times of a Debouncer, as the Monitors use them.
const (
	// DefaultSettle is how long a burst must stay quiet before it is
	// reported: a DHCP exchange after a link comes up takes about that.
	DefaultSettle = time.Second
	// DefaultMaxDelay bounds how long a flapping network can hold a report
	// back.
	DefaultMaxDelay = 5 * time.Second
)

// Debouncer merges bursts of changes into single reports, for Monitor
// implementations: Note records a change at once and without blocking;
// the report goes out on C once no change has come for the settling time,
// or once the first change of the burst is maxDelay old. Its goroutine is
// stopped by Close, which also closes C.
type Debouncer struct {
	settle, maxDelay time.Duration

	mu      sync.Mutex
	pending Change
	closed  bool

	kick chan struct{}
	out  chan Change
	quit chan struct{}
	done chan struct{}
}

// NewDebouncer starts a Debouncer; zero durations take DefaultSettle and
// DefaultMaxDelay.
func NewDebouncer(settle, maxDelay time.Duration) *Debouncer {
	if settle <= 0 {
		settle = DefaultSettle
	}
	if maxDelay <= 0 {
		maxDelay = DefaultMaxDelay
	}
	d := &Debouncer{
		settle:   settle,
		maxDelay: maxDelay,
		kick:     make(chan struct{}, 1),
		out:      make(chan Change),
		quit:     make(chan struct{}),
		done:     make(chan struct{}),
	}
	go d.run()
	return d
}

// Note records c; it never blocks.
func (d *Debouncer) Note(c Change) {
	if c == 0 {
		return
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.closed {
		return
	}
	d.pending |= c
	select {
	case d.kick <- struct{}{}:
	default:
	}
}

// C delivers the merged reports.
func (d *Debouncer) C() <-chan Change { return d.out }

// Close stops the goroutine and waits for it; C is closed.
func (d *Debouncer) Close() {
	d.mu.Lock()
	if d.closed {
		d.mu.Unlock()
		<-d.done
		return
	}
	d.closed = true
	d.mu.Unlock()
	close(d.quit)
	<-d.done
}

func (d *Debouncer) take() Change {
	d.mu.Lock()
	defer d.mu.Unlock()
	c := d.pending
	d.pending = 0
	return c
}

// run waits for the first change of a burst, re-arms the settling timer
// at every further one (until the burst is maxDelay old), then offers the
// merged report until it is taken, merging what comes meanwhile.
func (d *Debouncer) run() {
	defer close(d.done)
	defer close(d.out)
	timer := time.NewTimer(time.Hour)
	timer.Stop()
	defer timer.Stop()
	var (
		settling bool
		first    time.Time
		ready    Change
	)
	for {
		var out chan<- Change
		if ready != 0 {
			out = d.out
		}
		select {
		case <-d.quit:
			return
		case <-d.kick:
			now := time.Now()
			if !settling {
				settling, first = true, now
				timer.Reset(d.settle)
			} else if now.Sub(first)+d.settle <= d.maxDelay {
				timer.Reset(d.settle)
			}
		case <-timer.C:
			settling = false
			ready |= d.take()
		case out <- ready:
			ready = 0
		}
	}
}
