package e2e

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/espressovpn/espresso/helper/api"
	"github.com/espressovpn/espresso/helper/e2e/lab"
)

// stateChange is one status of a connection as the watch stream sent it,
// with when it arrived.
type stateChange struct {
	at time.Time
	st api.ConnectionStatus
}

// watcher records every status of one connection from the helper's watch
// stream, as the GUI sees them, so a test misses no state however short.
// Its goroutine ends when the test does.
type watcher struct {
	name string

	mu      sync.Mutex
	changes []stateChange
}

// watch starts recording the statuses of the connection name.
func watch(t *testing.T, h *lab.Helper, name string) *watcher {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	s, err := api.NewClient(h.Socket).Watch(ctx)
	if err != nil {
		cancel()
		t.Fatalf("watch: %v", err)
	}
	w := &watcher{name: name}
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			ev, err := s.Next()
			if err != nil {
				return
			}
			w.record(ev)
		}
	}()
	t.Cleanup(func() {
		cancel()
		s.Close()
		<-done
	})
	return w
}

func (w *watcher) record(ev api.Event) {
	now := time.Now()
	w.mu.Lock()
	defer w.mu.Unlock()
	for _, c := range ev.Connections {
		if c.Name == w.name {
			w.changes = append(w.changes, stateChange{now, c})
		}
	}
	if ev.Connection != nil && ev.Connection.Name == w.name {
		w.changes = append(w.changes, stateChange{now, *ev.Connection})
	}
}

// first returns the first status after since in state s.
func (w *watcher) first(s api.State, since time.Time) (stateChange, bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	for _, c := range w.changes {
		if c.at.After(since) && c.st.State == s {
			return c, true
		}
	}
	return stateChange{}, false
}

// wait waits up to timeout for a status after since in state s.
func (w *watcher) wait(s api.State, since time.Time, timeout time.Duration) (stateChange, bool) {
	for deadline := time.Now().Add(timeout); ; {
		if c, ok := w.first(s, since); ok {
			return c, true
		}
		if time.Now().After(deadline) {
			return stateChange{}, false
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// states lists the states seen after since, for failure messages.
func (w *watcher) states(since time.Time) []string {
	w.mu.Lock()
	defer w.mu.Unlock()
	var out []string
	for _, c := range w.changes {
		if c.at.After(since) {
			s := string(c.st.State)
			if c.st.LastError != "" {
				s += " (" + c.st.LastError + ")"
			}
			out = append(out, c.at.Format("15:04:05.000")+" "+s)
		}
	}
	return out
}
