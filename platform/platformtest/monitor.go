package platformtest

import (
	"sync"

	"github.com/espressovpn/espresso/platform"
)

// Monitor is a fake platform.Monitor whose changes the test triggers.
// Reports are not debounced: each Trigger is one report.
type Monitor struct {
	ch   chan platform.Change
	once sync.Once
}

var _ platform.Monitor = (*Monitor)(nil)

// NewMonitor returns a Monitor that holds up to queueLen reports nobody
// has taken.
func NewMonitor() *Monitor {
	return &Monitor{ch: make(chan platform.Change, queueLen)}
}

// Trigger reports c. It must not be called after Close.
func (m *Monitor) Trigger(c platform.Change) {
	m.ch <- c
}

// Changes implements platform.Monitor.
func (m *Monitor) Changes() <-chan platform.Change { return m.ch }

// Close implements platform.Monitor: Changes is closed.
func (m *Monitor) Close() error {
	m.once.Do(func() { close(m.ch) })
	return nil
}
