package conn

import (
	"context"
	"errors"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/espressovpn/espresso/helper/api"
	"github.com/espressovpn/espresso/helper/session"
	"github.com/espressovpn/espresso/platform"
	"github.com/espressovpn/espresso/platform/platformtest"
)

// TestNetworkChangeRetriesNow lets a reconnection back off to 40 seconds,
// then reports a new network through a Monitor: the attempt goes at once,
// and the backoff starts over at 5 seconds.
func TestNetworkChangeRetriesNow(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		d := &fakeDialer{}
		m := NewManager(d, nopLog{}, DefaultRetryPolicy)
		defer m.Close(context.Background())
		mon := platformtest.NewMonitor()
		defer mon.Close()
		m.Follow(mon.Changes())
		s := newFakeSession()
		connectStable(t, m, d, s)
		unreachable := errors.New("gateway unreachable")
		for range 6 {
			d.push(dialResult{err: unreachable})
		}
		s.drop(errors.New("network down"))
		time.Sleep(5*time.Second + 10*time.Second + 20*time.Second + time.Second)
		synctest.Wait()
		before := d.count()
		if st, _ := m.StatusOf("work"); progress(st) != "attempt 5, next in 39s: gateway unreachable" {
			t.Fatalf("before the change: %q", progress(st))
		}
		mon.Trigger(platform.ChangeWake)
		synctest.Wait()
		if d.count() != before+1 {
			t.Fatalf("no attempt right after the network change (%d dials, were %d)", d.count(), before)
		}
		if st, _ := m.StatusOf("work"); progress(st) != "attempt 6, next in 5s: gateway unreachable" {
			t.Errorf("backoff did not start over: %q", progress(st))
		}
	})
}

// observedSession is a session that handles path changes itself.
type observedSession struct {
	*fakeSession
	mu      sync.Mutex
	changes []platform.Change
}

func (s *observedSession) PathChanged(c platform.Change) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.changes = append(s.changes, c)
}

// TestNetworkChangeReachesSession checks that an established session that
// implements session.PathObserver is told, and is not torn down for it.
func TestNetworkChangeReachesSession(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		d := &observerDialer{s: &observedSession{fakeSession: newFakeSession()}}
		m := newTestManager(t, d, DefaultRetryPolicy, "work")
		m.Connect(profile("work"))
		m.Wait(context.Background(), "work")
		m.NetworkChanged(platform.ChangeRoute | platform.ChangeAddress)
		d.s.mu.Lock()
		got := d.s.changes
		d.s.mu.Unlock()
		if len(got) != 1 || got[0] != platform.ChangeRoute|platform.ChangeAddress {
			t.Errorf("session saw %v", got)
		}
		if st, _ := m.StatusOf("work"); st.State != api.StateConnected {
			t.Errorf("state %s", st.State)
		}
	})
}

type observerDialer struct{ s *observedSession }

func (d *observerDialer) Dial(context.Context, session.Attempt) (session.Conn, error) {
	return d.s, nil
}

// TestFollowStopsWithManager checks that the goroutine Follow starts ends
// with Close even though its channel stays open (synctest reports a
// goroutine left behind).
func TestFollowStopsWithManager(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		m := NewManager(&fakeDialer{}, nopLog{}, DefaultRetryPolicy)
		changes := make(chan platform.Change)
		m.Follow(changes)
		if err := m.Close(context.Background()); err != nil {
			t.Fatal(err)
		}
	})
}
