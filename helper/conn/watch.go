package conn

import "github.com/espressovpn/espresso/helper/api"

// WatchBuffer is how many events a watcher may fall behind before the
// Manager drops it; the client then watches again and gets a fresh
// snapshot. This bounds the memory a stuck client can hold.
const WatchBuffer = 64

// Watcher receives the events after a snapshot.
type Watcher struct {
	// C delivers the events; it is closed when the watcher is dropped
	// (it fell behind, was closed, or the Manager closed).
	C  <-chan api.Event
	ch chan api.Event
	m  *Manager
}

// Watch returns a snapshot of every profile's status and of the prompts
// waiting for an answer, and a Watcher that receives every change after
// it, with nothing lost in between.
func (m *Manager) Watch() (api.Event, *Watcher) {
	ch := make(chan api.Event, WatchBuffer)
	w := &Watcher{C: ch, ch: ch, m: m}
	m.mu.Lock()
	defer m.mu.Unlock()
	snap := api.Event{Kind: api.EventSnapshot, Connections: m.statusAllLocked(), Prompts: m.promptsLocked()}
	if m.closed {
		close(ch)
		return snap, w
	}
	m.watchers[w] = struct{}{}
	return snap, w
}

// Close stops the watcher; C is closed.
func (w *Watcher) Close() {
	w.m.mu.Lock()
	defer w.m.mu.Unlock()
	w.m.dropWatcherLocked(w)
}

func (m *Manager) dropWatcherLocked(w *Watcher) {
	if _, ok := m.watchers[w]; ok {
		delete(m.watchers, w)
		close(w.ch)
	}
}

// broadcastLocked sends ev to every watcher without blocking; a watcher
// whose buffer is full is dropped.
func (m *Manager) broadcastLocked(ev api.Event) {
	for w := range m.watchers {
		select {
		case w.ch <- ev:
		default:
			m.dropWatcherLocked(w)
		}
	}
}
