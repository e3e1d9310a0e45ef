package platform

import (
	"testing"
	"testing/synctest"
	"time"
)

// TestDebouncerMergesBurst notes a burst of changes within the settling
// time and checks they arrive as one report, only once the burst is quiet.
func TestDebouncerMergesBurst(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		d := NewDebouncer(time.Second, 5*time.Second)
		defer d.Close()
		d.Note(ChangeLink)
		time.Sleep(500 * time.Millisecond)
		d.Note(ChangeAddress)
		time.Sleep(900 * time.Millisecond)
		synctest.Wait()
		select {
		case c := <-d.C():
			t.Fatalf("report %v before the burst settled", c)
		default:
		}
		d.Note(ChangeRoute)
		time.Sleep(time.Second)
		synctest.Wait()
		select {
		case c := <-d.C():
			if want := ChangeLink | ChangeAddress | ChangeRoute; c != want {
				t.Fatalf("report %v, want %v", c, want)
			}
		default:
			t.Fatal("no report after the burst settled")
		}
	})
}

// TestDebouncerMaxDelay keeps noting changes every half second and checks
// a report still comes out within the maximum delay.
func TestDebouncerMaxDelay(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		d := NewDebouncer(time.Second, 3*time.Second)
		defer d.Close()
		start := time.Now()
		got := make(chan time.Duration, 1)
		go func() {
			<-d.C()
			got <- time.Since(start)
		}()
		for range 20 {
			d.Note(ChangeLink)
			time.Sleep(500 * time.Millisecond)
		}
		if after := <-got; after > 3*time.Second {
			t.Fatalf("first report after %v of flapping, want at most 3s", after)
		}
	})
}

// TestDebouncerSlowReceiver checks that a report nobody takes absorbs the
// later ones instead of blocking Note or queueing without bound.
func TestDebouncerSlowReceiver(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		d := NewDebouncer(time.Second, 5*time.Second)
		defer d.Close()
		d.Note(ChangeLink)
		time.Sleep(2 * time.Second)
		d.Note(ChangeWake)
		time.Sleep(2 * time.Second)
		synctest.Wait()
		if c := <-d.C(); c != ChangeLink|ChangeWake {
			t.Fatalf("report %v, want link and wake merged", c)
		}
		synctest.Wait()
		select {
		case c := <-d.C():
			t.Fatalf("second report %v", c)
		default:
		}
	})
}

func TestDebouncerCloseClosesC(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		d := NewDebouncer(0, 0)
		d.Note(ChangeRoute)
		d.Close()
		d.Close()
		if _, ok := <-d.C(); ok {
			t.Fatal("C delivered after Close")
		}
		d.Note(ChangeRoute) // no effect, no panic
	})
}

func TestChangeString(t *testing.T) {
	if s := (ChangeRoute | ChangeWake).String(); s != "default route, wake" {
		t.Errorf("String = %q", s)
	}
	if s := Change(0).String(); s != "none" {
		t.Errorf("String = %q", s)
	}
}
