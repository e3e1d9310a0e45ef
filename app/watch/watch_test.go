package watch

import (
	"context"
	"encoding/json"
	"errors"
	"net"
	"net/http"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/espressovpn/espresso/app/internal/apitest"
	"github.com/espressovpn/espresso/helper/api"
)

// run starts a Watcher on a fake helper and returns its updates.
func run(t *testing.T, fake *apitest.Server) <-chan Update {
	t.Helper()
	c := api.NewClient(fake.Socket())
	updates := make(chan Update, 64)
	w := New(c, func(u Update) { updates <- u }, Options{MinBackoff: 5 * time.Millisecond, MaxBackoff: 20 * time.Millisecond})
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		w.Run(ctx)
	}()
	t.Cleanup(func() {
		cancel()
		wg.Wait()
		c.CloseIdleConnections()
	})
	return updates
}

// next returns the next update matching ok, failing after a deadline.
func next(t *testing.T, updates <-chan Update, what string, ok func(Update) bool) Update {
	t.Helper()
	deadline := time.After(10 * time.Second)
	for {
		select {
		case u := <-updates:
			if ok(u) {
				return u
			}
		case <-deadline:
			t.Fatalf("no update: %s", what)
		}
	}
}

func stateOf(u Update, name string) api.State {
	for _, c := range u.Connections {
		if c.Name == name {
			return c.State
		}
	}
	return ""
}

func TestWatcherFollowsChangesAndHelperRestarts(t *testing.T) {
	fake := apitest.New(filepath.Join(t.TempDir(), "helper.sock"), apitest.Options{})
	if err := fake.AddProfile(api.Profile{Name: "work", Gateway: "192.0.2.1", Auth: api.AuthPSK, PSK: "k"}); err != nil {
		t.Fatal(err)
	}
	// Not running yet: the first report says so.
	updates := run(t, fake)
	u := next(t, updates, "link down", func(u Update) bool { return u.Link == LinkDown })
	if !errors.Is(u.Err, api.ErrHelperNotRunning) || u.Connections != nil {
		t.Fatalf("down update = %+v", u)
	}

	if err := fake.Start(); err != nil {
		t.Fatal(err)
	}
	defer fake.Stop()
	u = next(t, updates, "snapshot", func(u Update) bool { return u.Link == LinkUp })
	if stateOf(u, "work") != api.StateDisconnected || u.Changed != "" {
		t.Fatalf("snapshot update = %+v", u)
	}

	c := api.NewClient(fake.Socket())
	defer c.CloseIdleConnections()
	if _, err := c.Connect(context.Background(), "work", api.ConnectRequest{}, false); err != nil {
		t.Fatal(err)
	}
	u = next(t, updates, "connected", func(u Update) bool { return stateOf(u, "work") == api.StateConnected })
	if u.Changed != "work" {
		t.Errorf("Changed = %q", u.Changed)
	}

	// The helper restarts: the app hears it go, then sees the new state.
	fake.Stop()
	u = next(t, updates, "down after stop", func(u Update) bool { return u.Link == LinkDown })
	if !errors.Is(u.Err, api.ErrHelperNotRunning) {
		t.Errorf("down err = %v", u.Err)
	}
	fake.Reset()
	if err := fake.Start(); err != nil {
		t.Fatal(err)
	}
	next(t, updates, "snapshot after restart", func(u Update) bool {
		return u.Link == LinkUp && stateOf(u, "work") == api.StateDisconnected
	})

	if err := c.RemoveProfile(context.Background(), "work"); err != nil {
		t.Fatal(err)
	}
	u = next(t, updates, "removal", func(u Update) bool { return u.Changed == "work" })
	if len(u.Connections) != 0 {
		t.Errorf("after removal: %+v", u.Connections)
	}
}

func TestWatcherBacksOffWhileDown(t *testing.T) {
	var mu sync.Mutex
	var waits []time.Duration
	fire := make(chan time.Time)
	close(fire)
	src := failing{}
	ctx, cancel := context.WithCancel(context.Background())
	n := 0
	w := New(src, func(Update) {
		n++
		if n == 6 {
			cancel()
		}
	}, Options{MinBackoff: time.Second, MaxBackoff: 4 * time.Second, After: func(d time.Duration) <-chan time.Time {
		mu.Lock()
		waits = append(waits, d)
		mu.Unlock()
		return fire
	}})
	w.Run(ctx)
	want := []time.Duration{time.Second, 2 * time.Second, 4 * time.Second, 4 * time.Second, 4 * time.Second, 4 * time.Second}
	if len(waits) != len(want) {
		t.Fatalf("waits = %v", waits)
	}
	for i := range want {
		if waits[i] != want[i] {
			t.Errorf("waits = %v, want %v", waits, want)
			break
		}
	}
}

type failing struct{}

func (failing) Watch(context.Context) (*api.Stream[api.Event], error) {
	return nil, &api.NotRunningError{Socket: "/nonexistent"}
}

// quickHelper is a helper on a Unix socket that answers every watch at
// once and ends it: with a snapshot and nothing after it (a helper going
// away before its streams were refused), or, with stopping set, with the
// refusal of a helper that is stopping.
type quickHelper struct {
	opens    atomic.Int32
	stopping bool
	client   *api.Client
}

func startQuickHelper(t *testing.T, stopping bool) *quickHelper {
	t.Helper()
	h := &quickHelper{stopping: stopping}
	sock := filepath.Join(t.TempDir(), "helper.sock")
	ln, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h.opens.Add(1)
		if h.stopping {
			w.Header().Set("Content-Type", api.ContentTypeJSON)
			w.WriteHeader(http.StatusServiceUnavailable)
			_ = json.NewEncoder(w).Encode(api.ErrorBody{Error: api.Errorf(api.CodeStopping, "the Espresso helper is stopping")})
			return
		}
		w.Header().Set("Content-Type", api.ContentTypeNDJSON)
		_ = json.NewEncoder(w).Encode(api.Event{Kind: api.EventSnapshot, Connections: []api.ConnectionStatus{{Name: "work", State: api.StateConnected}}})
	})}
	served := make(chan struct{})
	go func() {
		defer close(served)
		_ = srv.Serve(ln)
	}()
	h.client = api.NewClient(sock)
	t.Cleanup(func() {
		h.client.CloseIdleConnections()
		_ = srv.Close()
		<-served
	})
	return h
}

// clock is an injected After whose waits fire only when the test says.
// It records every wait asked for without blocking the watcher, which may
// ask once more after the test's last look.
type clock struct {
	asked chan time.Duration
	fire  chan time.Time
}

func newClock() *clock {
	return &clock{asked: make(chan time.Duration, 64), fire: make(chan time.Time)}
}

func (c *clock) After(d time.Duration) <-chan time.Time {
	c.asked <- d
	return c.fire
}

// nextWait returns the next wait the watcher asks the clock for.
func (c *clock) nextWait(t *testing.T, what string) time.Duration {
	t.Helper()
	select {
	case d := <-c.asked:
		return d
	case <-time.After(10 * time.Second):
		t.Fatalf("the watcher asked for no wait: %s", what)
		return 0
	}
}

// runWith starts a Watcher on src with clk and returns its updates; the
// Watcher stops at the end of the test.
func runWith(t *testing.T, src Source, clk *clock) <-chan Update {
	t.Helper()
	updates := make(chan Update, 256)
	report := func(u Update) {
		select {
		case updates <- u:
		default: // a watcher in a loop must fail the test, not hang it
		}
	}
	w := New(src, report, Options{MinBackoff: time.Second, MaxBackoff: 4 * time.Second, After: clk.After})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		w.Run(ctx)
	}()
	t.Cleanup(func() {
		cancel()
		<-done
	})
	return updates
}

// A helper that ends every stream right after its snapshot is not asked
// again in a loop: the first such stream is reopened at once, every
// further one after a wait that doubles up to MaxBackoff. The link stays
// up, as the helper answers.
func TestWatcherBacksOffFromStreamsEndingAfterSnapshot(t *testing.T) {
	h := startQuickHelper(t, false)
	clk := newClock()
	updates := runWith(t, h.client, clk)
	want := []time.Duration{time.Second, 2 * time.Second, 4 * time.Second, 4 * time.Second, 4 * time.Second}
	for i, w := range want {
		d := clk.nextWait(t, "after a stream that ended after its snapshot")
		// The watcher waits now: nothing opens until the clock fires.
		if n := h.opens.Load(); n != int32(i+2) {
			t.Fatalf("wait %d: %d streams opened, want %d", i, n, i+2)
		}
		if d != w {
			t.Errorf("wait %d = %v, want %v", i, d, w)
		}
		clk.fire <- time.Time{}
	}
	clk.nextWait(t, "the last one")
	opens := int(h.opens.Load())
	ups := 0
	for len(updates) > 0 {
		u := <-updates
		if u.Link != LinkUp || stateOf(u, "work") != api.StateConnected {
			t.Fatalf("update = %+v, want the link up with the snapshot", u)
		}
		ups++
	}
	if ups != opens {
		t.Errorf("%d updates for %d streams", ups, opens)
	}
}

// A helper that is stopping refuses the watch; the watcher reports it as
// not running and backs off as it does while the helper is down.
func TestWatcherTreatsStoppingAsNotRunning(t *testing.T) {
	h := startQuickHelper(t, true)
	clk := newClock()
	updates := runWith(t, h.client, clk)
	for i, w := range []time.Duration{time.Second, 2 * time.Second, 4 * time.Second} {
		d := clk.nextWait(t, "after the refusal of a stopping helper")
		if n := h.opens.Load(); n != int32(i+1) {
			t.Fatalf("wait %d: %d watches asked, want %d", i, n, i+1)
		}
		if d != w {
			t.Errorf("wait %d = %v, want %v", i, d, w)
		}
		u := <-updates
		if u.Link != LinkDown || !errors.Is(u.Err, api.ErrHelperNotRunning) || u.Connections != nil {
			t.Fatalf("update = %+v, want the link down, not running", u)
		}
		clk.fire <- time.Time{}
	}
}
