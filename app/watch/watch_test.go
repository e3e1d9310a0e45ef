package watch

import (
	"context"
	"errors"
	"path/filepath"
	"sync"
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
