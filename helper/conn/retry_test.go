package conn

import (
	"context"
	"errors"
	"testing"
	"testing/synctest"
	"time"

	"github.com/espressovpn/espresso/helper/api"
)

// gaps returns the pauses between the dials from the first one on.
func (d *fakeDialer) gaps(from int) []time.Duration {
	d.mu.Lock()
	defer d.mu.Unlock()
	var out []time.Duration
	for i := from + 1; i < len(d.at); i++ {
		out = append(out, d.at[i].Sub(d.at[i-1]))
	}
	return out
}

// connectStable connects "work" through s and keeps it up long enough to
// count as stable.
func connectStable(t *testing.T, m *Manager, d *fakeDialer, s *fakeSession) {
	t.Helper()
	m.SetProfile("work", "192.0.2.1")
	d.push(dialResult{s: s})
	if err := m.Connect(profile("work")); err != nil {
		t.Fatal(err)
	}
	if _, err := m.Wait(context.Background(), "work"); err != nil {
		t.Fatal(err)
	}
	time.Sleep(2 * time.Minute)
}

// stableWork is a Manager with the default retry policy whose profile
// "work" is up through s and stable (connectStable); it is closed when
// the test ends.
func stableWork(t *testing.T, s *fakeSession) (*Manager, *fakeDialer) {
	t.Helper()
	d := &fakeDialer{}
	m := NewManager(d, nopLog{}, DefaultRetryPolicy)
	t.Cleanup(func() { m.Close(context.Background()) })
	connectStable(t, m, d, s)
	return m, d
}

// TestBackoffDoublesToTwoMinutesUnbounded drops a stable session and lets
// the gateway stay away: the helper dials at once, then after 5, 10, 20,
// 40, 80 and 120 seconds, and keeps going every two minutes, well past any
// attempt limit, while saying so in the status.
func TestBackoffDoublesToTwoMinutesUnbounded(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := newFakeSession()
		m, d := stableWork(t, s)
		unreachable := errors.New("gateway unreachable")
		for range 12 {
			d.push(dialResult{err: unreachable})
		}
		s.drop(errors.New("peer did not answer dead peer detection"))
		synctest.Wait()
		// The first attempt went at once and failed; the second waits 5s.
		if st, _ := m.StatusOf("work"); st.State != api.StateReconnecting || progress(st) != "attempt 2, next in 5s: gateway unreachable" {
			t.Errorf("after the first attempt: %s %q", st.State, progress(st))
		}
		time.Sleep(2 * time.Second)
		if st, _ := m.StatusOf("work"); progress(st) != "attempt 2, next in 3s: gateway unreachable" {
			t.Errorf("countdown: %q", progress(st))
		}
		time.Sleep(30 * time.Minute)
		synctest.Wait()
		want := []time.Duration{5, 10, 20, 40, 80, 120, 120, 120, 120, 120, 120}
		got := d.gaps(1)
		if len(got) < len(want) {
			t.Fatalf("only %d reconnection attempts in 30 minutes", len(got)+1)
		}
		for i, w := range want {
			if got[i] != w*time.Second {
				t.Errorf("pause before attempt %d: %v, want %v", i+2, got[i], w*time.Second)
			}
		}
		st, _ := m.StatusOf("work")
		if st.State != api.StateReconnecting {
			t.Errorf("gave up: %s %q", st.State, st.LastError)
		}
	})
}

// TestReconnectSucceedsAfterFailures checks the status once the gateway is
// back: connected, with the progress text gone.
func TestReconnectSucceedsAfterFailures(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s1, s2 := newFakeSession(), newFakeSession()
		m, d := stableWork(t, s1)
		unreachable := errors.New("gateway unreachable")
		d.push(dialResult{err: unreachable}, dialResult{err: unreachable}, dialResult{s: s2})
		s1.drop(errors.New("network down"))
		time.Sleep(16 * time.Second)
		synctest.Wait()
		if st, _ := m.StatusOf("work"); st.State != api.StateConnected || st.LastError != "" {
			t.Errorf("after the gateway came back: %s %q", st.State, st.LastError)
		}
	})
}

// TestPermanentErrorStopsReconnecting checks that an error retrying cannot
// fix (wrong credentials) ends the series even without a limit.
func TestPermanentErrorStopsReconnecting(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := newFakeSession()
		m, d := stableWork(t, s)
		d.push(dialResult{err: permanentErr{"authentication failed"}})
		s.drop(errors.New("the gateway deleted the IKE SA"))
		time.Sleep(time.Hour)
		synctest.Wait()
		if st, _ := m.StatusOf("work"); st.State != api.StateFailed || st.LastError != "authentication failed" {
			t.Errorf("state %s %q", st.State, st.LastError)
		}
		if d.count() != 2 {
			t.Errorf("dialed %d times", d.count())
		}
	})
}

type permanentErr struct{ msg string }

func (e permanentErr) Error() string   { return e.msg }
func (e permanentErr) Permanent() bool { return true }

func TestRetryStateDescribe(t *testing.T) {
	now := time.Unix(1000, 0)
	for _, tc := range []struct {
		r    retryState
		want string
	}{
		{retryState{attempt: 3}, "reconnecting (attempt 3)"},
		{retryState{attempt: 3, next: now.Add(7500 * time.Millisecond)}, "reconnecting (attempt 3, next in 8s)"},
		{retryState{attempt: 1, next: now.Add(-time.Second)}, "reconnecting (attempt 1, next in 0s)"},
	} {
		if got := tc.r.describe(now); got != tc.want {
			t.Errorf("%+v: %q, want %q", tc.r, got, tc.want)
		}
	}
}
