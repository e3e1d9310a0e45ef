package conn

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/espressovpn/espresso/helper/api"
	"github.com/espressovpn/espresso/helper/session"
)

type nopLog struct{}

func (nopLog) Logf(api.Level, string, string, ...any) {}

// fakeSession is a session.Conn the test ends with drop.
type fakeSession struct {
	peer      netip.AddrPort
	done      chan struct{}
	closeOnce sync.Once
	closed    chan struct{}
	err       error
	// problem is Info's Problem, set before the session is dialled.
	problem error
}

func newFakeSession() *fakeSession {
	return &fakeSession{done: make(chan struct{}), closed: make(chan struct{})}
}

func (s *fakeSession) Info() session.Info {
	return session.Info{
		VirtualIPs:    []netip.Addr{netip.MustParseAddr("198.18.0.5")},
		RemoteTS:      []netip.Prefix{netip.MustParsePrefix("0.0.0.0/0")},
		IKEProposal:   "aes256gcm16-prfsha384-x25519",
		Encapsulation: api.EncapsulationUDP,
		EstablishedAt: time.Unix(1000, 0),
		Peer:          s.peer,
		Problem:       s.problem,
	}
}
func (s *fakeSession) Counters() session.Counters {
	return session.Counters{BytesIn: 10, PacketsOut: 2}
}
func (s *fakeSession) Done() <-chan struct{} { return s.done }
func (s *fakeSession) Err() error            { return s.err }
func (s *fakeSession) Close() error {
	s.closeOnce.Do(func() { close(s.closed) })
	return nil
}
func (s *fakeSession) drop(err error) { s.err = err; close(s.done) }

// fakeDialer answers each Dial with the next scripted result; with none
// left it blocks until the context is done.
type fakeDialer struct {
	mu      sync.Mutex
	results []dialResult
	dials   int
	at      []time.Time // when each Dial started
}

type dialResult struct {
	s   *fakeSession
	err error
}

func (d *fakeDialer) push(r ...dialResult) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.results = append(d.results, r...)
}

func (d *fakeDialer) Dial(ctx context.Context, a session.Attempt) (session.Conn, error) {
	d.mu.Lock()
	d.dials++
	d.at = append(d.at, time.Now())
	if len(d.results) > 0 {
		r := d.results[0]
		d.results = d.results[1:]
		d.mu.Unlock()
		if r.err != nil {
			return nil, r.err
		}
		return r.s, nil
	}
	d.mu.Unlock()
	<-ctx.Done()
	return nil, ctx.Err()
}

func (d *fakeDialer) count() int {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.dials
}

var policy = RetryPolicy{Attempts: 2, Backoff: time.Second, MaxBackoff: 4 * time.Second, Stable: time.Minute}

// newTestManager is a Manager over d holding the profile name with its
// gateway at 192.0.2.1; it is closed when the test ends, inside the
// synctest bubble where there is one.
func newTestManager(t *testing.T, d session.Dialer, policy RetryPolicy, name string, opts ...Option) *Manager {
	t.Helper()
	m := NewManager(d, nopLog{}, policy, opts...)
	t.Cleanup(func() { m.Close(context.Background()) })
	m.SetProfile(name, "192.0.2.1")
	return m
}

func profile(name string) api.Profile {
	return api.Profile{Name: name, Gateway: "192.0.2.1", Auth: api.AuthPSK, PSK: "k"}
}

// states collects the states a watcher sees for one profile.
func states(w *Watcher) []api.State {
	var out []api.State
	for {
		select {
		case ev, ok := <-w.C:
			if !ok {
				return out
			}
			if ev.Kind == api.EventStatus {
				out = append(out, ev.Connection.State)
			}
		default:
			return out
		}
	}
}

func equalStates(a []api.State, b ...api.State) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestConnectDropReconnectDisconnect(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		d := &fakeDialer{}
		m := newTestManager(t, d, policy, "work")
		snap, w := m.Watch()
		if len(snap.Connections) != 1 || snap.Connections[0].State != api.StateDisconnected {
			t.Fatalf("snapshot = %+v", snap)
		}

		s1, s2 := newFakeSession(), newFakeSession()
		d.push(dialResult{s: s1})
		if err := m.Connect(profile("work")); err != nil {
			t.Fatal(err)
		}
		st, err := m.Wait(context.Background(), "work")
		if err != nil {
			t.Fatal(err)
		}
		if st.State != api.StateConnected || st.VirtualIPs[0] != "198.18.0.5" || st.BytesIn != 10 || st.EstablishedAt == nil {
			t.Errorf("status = %+v", st)
		}

		// The gateway goes away; the next dial succeeds after the backoff.
		d.push(dialResult{s: s2})
		s1.drop(errors.New("peer did not answer dead peer detection"))
		synctest.Wait()
		st, _ = m.StatusOf("work")
		// The session lasted less than policy.Stable: the first attempt
		// waits the backoff.
		if st.State != api.StateReconnecting || progress(st) != "attempt 1, next in 1s: peer did not answer dead peer detection" {
			t.Errorf("after drop: %s %q", st.State, progress(st))
		}
		<-s1.closed // the dropped session was cleaned up
		time.Sleep(time.Second)
		synctest.Wait()
		if st, _ = m.StatusOf("work"); st.State != api.StateConnected || st.LastError != "" {
			t.Errorf("after reconnect: %s %q", st.State, st.LastError)
		}

		if err := m.Disconnect(context.Background(), "work"); err != nil {
			t.Fatal(err)
		}
		<-s2.closed
		if st, _ = m.StatusOf("work"); st.State != api.StateDisconnected {
			t.Errorf("after disconnect: %s", st.State)
		}
		got := states(w)
		if !equalStates(got, api.StateConnecting, api.StateConnected, api.StateReconnecting, api.StateReconnecting, api.StateConnected, api.StateDisconnected) {
			t.Errorf("watched states = %v", got)
		}
	})
}

func TestFirstAttemptFailureIsNotRetried(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		d := &fakeDialer{}
		m := newTestManager(t, d, policy, "work")
		d.push(dialResult{err: errors.New("authentication failed: wrong pre-shared key")})
		m.Connect(profile("work"))
		_, err := m.Wait(context.Background(), "work")
		var fe *FailedError
		if !errors.As(err, &fe) || fe.Error() != "authentication failed: wrong pre-shared key" {
			t.Fatalf("Wait = %v", err)
		}
		time.Sleep(time.Minute)
		synctest.Wait()
		if d.count() != 1 {
			t.Errorf("dialed %d times", d.count())
		}
		if m.Active("work") {
			t.Error("a failed connection is still active")
		}
		// Disconnect clears the failed state.
		m.Disconnect(context.Background(), "work")
		if st, _ := m.StatusOf("work"); st.State != api.StateDisconnected {
			t.Errorf("state = %s", st.State)
		}
	})
}

func TestReconnectGivesUp(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		d := &fakeDialer{}
		m := newTestManager(t, d, policy, "work")
		s := newFakeSession()
		unreachable := errors.New("gateway unreachable")
		d.push(dialResult{s: s}, dialResult{err: unreachable}, dialResult{err: unreachable}, dialResult{err: unreachable})
		m.Connect(profile("work"))
		m.Wait(context.Background(), "work")
		s.drop(errors.New("network down"))
		time.Sleep(10 * time.Minute)
		synctest.Wait()
		st, _ := m.StatusOf("work")
		if st.State != api.StateFailed || st.LastError != "gateway unreachable" {
			t.Errorf("state %s %q", st.State, st.LastError)
		}
		if d.count() != 1+policy.Attempts {
			t.Errorf("dialed %d times, want %d", d.count(), 1+policy.Attempts)
		}
	})
}

func TestDisconnectDuringDial(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		d := &fakeDialer{} // no result: Dial blocks
		m := newTestManager(t, d, policy, "work")
		m.Connect(profile("work"))
		errc := make(chan error, 1)
		go func() {
			_, err := m.Wait(context.Background(), "work")
			errc <- err
		}()
		synctest.Wait()
		if err := m.RemoveProfile("work"); !errors.Is(err, ErrBusy) {
			t.Errorf("remove while connecting: %v", err)
		}
		m.Disconnect(context.Background(), "work")
		if err := <-errc; !errors.Is(err, ErrDisconnected) {
			t.Errorf("Wait = %v", err)
		}
		if err := m.RemoveProfile("work"); err != nil {
			t.Errorf("remove after disconnect: %v", err)
		}
	})
}

func TestManagerCloseEndsEverything(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		d := &fakeDialer{}
		m := NewManager(d, nopLog{}, policy)
		m.SetProfile("a", "192.0.2.1")
		m.SetProfile("b", "192.0.2.2")
		s := newFakeSession()
		d.push(dialResult{s: s})
		m.Connect(profile("a"))
		m.Wait(context.Background(), "a")
		m.Connect(profile("b")) // blocks in Dial
		_, w := m.Watch()
		if err := m.Close(context.Background()); err != nil {
			t.Fatal(err)
		}
		<-s.closed
		for range w.C {
		}
		for _, st := range m.Status() {
			if st.State != api.StateDisconnected {
				t.Errorf("%s: %s", st.Name, st.State)
			}
		}
		if err := m.Connect(profile("a")); err == nil {
			t.Error("Connect after Close accepted")
		}
	})
}

func TestSlowWatcherIsDropped(t *testing.T) {
	m := NewManager(&fakeDialer{}, nopLog{}, policy)
	defer m.Close(context.Background())
	_, w := m.Watch()
	for i := 0; i <= WatchBuffer; i++ {
		m.SetProfile("p", fmt.Sprintf("192.0.2.%d", i))
	}
	n := 0
	for range w.C {
		n++
	}
	if n != WatchBuffer {
		t.Errorf("received %d events before the drop, want %d", n, WatchBuffer)
	}
}

func TestUnavailableDialer(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		m := newTestManager(t, session.UnavailableDialer{}, policy, "work")
		m.Connect(profile("work"))
		_, err := m.Wait(context.Background(), "work")
		if !errors.Is(err, session.ErrUnavailable) {
			t.Errorf("Wait = %v", err)
		}
	})
}

// TestAttemptCarriesGateway: the profile's own gateway address goes to
// the Dialer with the attempt, which needs no look-up then; only an
// on-demand profile's attempt carries a prompt.
func TestAttemptCarriesGateway(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var got []session.Attempt
		d := &hookDialer{hook: func(_ context.Context, a session.Attempt) (session.Conn, error) {
			got = append(got, a)
			return newFakeSession(), nil
		}}
		m := newTestManager(t, d, policy, "work")
		if err := m.Connect(profile("work")); err != nil {
			t.Fatal(err)
		}
		if _, err := m.Wait(context.Background(), "work"); err != nil {
			t.Fatal(err)
		}
		want := netip.MustParseAddr("192.0.2.1")
		if len(got) != 1 || got[0].Gateway != want || got[0].Profile.Gateway.Addr != want || got[0].Prompt != nil {
			t.Fatalf("attempts %+v", got)
		}
	})
}
