package platform

import (
	"sync"
	"testing"
	"testing/synctest"
	"time"
)

// suspendableClock is a wall clock that a test can move forward without
// the monotonic clock, as a suspend does.
type suspendableClock struct {
	mu    sync.Mutex
	ahead time.Duration
}

func (c *suspendableClock) clock() wakeClock {
	return wakeClock{
		mono: time.Now,
		wall: func() time.Time {
			c.mu.Lock()
			defer c.mu.Unlock()
			return time.Now().Round(0).Add(c.ahead)
		},
	}
}

func (c *suspendableClock) sleep(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.ahead += d
}

func TestWakeDetector(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var c suspendableClock
		wakes := make(chan time.Duration, 4)
		w := newWakeDetector(5*time.Second, 10*time.Second, c.clock(), func(d time.Duration) { wakes <- d })
		defer w.Close()

		// A quiet minute and an NTP step below the threshold: nothing.
		time.Sleep(time.Minute)
		c.sleep(2 * time.Second)
		time.Sleep(10 * time.Second)
		synctest.Wait()
		if len(wakes) != 0 {
			t.Fatalf("reported a wake without a sleep: %v", <-wakes)
		}

		// An hour of suspend is reported once, with its length.
		c.sleep(time.Hour)
		time.Sleep(5 * time.Second)
		synctest.Wait()
		select {
		case d := <-wakes:
			if d != time.Hour {
				t.Errorf("slept %v, want 1h", d)
			}
		default:
			t.Fatal("no wake reported after a suspend")
		}
		time.Sleep(time.Minute)
		synctest.Wait()
		if len(wakes) != 0 {
			t.Fatal("one suspend reported twice")
		}
	})
}

func TestWakeDetectorCloseStops(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		w := NewWakeDetector(0, 0, func(time.Duration) { t.Error("notified") })
		w.Close()
		w.Close()
		// synctest fails the test if the goroutine outlived Close.
	})
}
