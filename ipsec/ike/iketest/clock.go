package iketest

import (
	"sort"
	"sync"
	"time"

	"github.com/espressovpn/espresso/ipsec/ike"
)

// Clock is a fake ike.Clock. Timers fire, in order, only inside Advance,
// each in its own goroutine as time.AfterFunc would.
type Clock struct {
	mu     sync.Mutex
	now    time.Time
	timers []*timer
	seq    int
}

type timer struct {
	c    *Clock
	at   time.Time
	seq  int
	f    func()
	dead bool
}

// NewClock returns a clock set to the current time (certificates are
// checked against it), which then moves only with Advance.
func NewClock() *Clock {
	return &Clock{now: time.Now()}
}

// Now returns the fake time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// AfterFunc schedules f at Now()+d.
func (c *Clock) AfterFunc(d time.Duration, f func()) ike.Timer {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.seq++
	t := &timer{c: c, at: c.now.Add(d), seq: c.seq, f: f}
	c.timers = append(c.timers, t)
	return t
}

// Stop cancels the timer.
func (t *timer) Stop() bool {
	t.c.mu.Lock()
	defer t.c.mu.Unlock()
	was := !t.dead
	t.dead = true
	return was
}

// Advance moves time forward by d, firing every timer due on the way, in
// order; each fires in its own goroutine.
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	end := c.now.Add(d)
	for {
		sort.Slice(c.timers, func(i, j int) bool {
			if c.timers[i].at.Equal(c.timers[j].at) {
				return c.timers[i].seq < c.timers[j].seq
			}
			return c.timers[i].at.Before(c.timers[j].at)
		})
		var due *timer
		for len(c.timers) > 0 && c.timers[0].dead {
			c.timers = c.timers[1:]
		}
		if len(c.timers) > 0 && !c.timers[0].at.After(end) {
			due = c.timers[0]
			c.timers = c.timers[1:]
		}
		if due == nil {
			c.now = end
			c.mu.Unlock()
			return
		}
		due.dead = true
		if due.at.After(c.now) {
			c.now = due.at
		}
		go due.f()
	}
}

// Pending returns how many timers are armed.
func (c *Clock) Pending() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	n := 0
	for _, t := range c.timers {
		if !t.dead {
			n++
		}
	}
	return n
}
