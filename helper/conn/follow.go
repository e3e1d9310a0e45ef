package conn

import (
	"net/netip"
	"slices"

	"github.com/espressovpn/espresso/helper/api"
	"github.com/espressovpn/espresso/helper/session"
)

// NetworkChanged tells the Manager that the network changed or the system
// woke up: every connection waiting to reconnect tries at once, with its
// backoff started over, every established connection implementing
// session.PathObserver is told, and the always-on connections are
// reconsidered (Reconsider).
func (m *Manager) NetworkChanged(ch session.Change) {
	var observers []session.PathObserver
	m.mu.Lock()
	for _, c := range m.conns {
		if c.done == nil {
			continue
		}
		if c.state == api.StateConnected {
			if o, ok := c.session.(session.PathObserver); ok {
				observers = append(observers, o)
			}
			continue
		}
		select {
		case c.kick <- struct{}{}:
		default:
		}
	}
	m.mu.Unlock()
	m.log.Logf(api.LevelInfo, "", "network change: %v", ch)
	for _, o := range observers {
		o.PathChanged(ch)
	}
	// The machine may have arrived on, or left, a trusted network.
	m.Reconsider()
}

// Follow passes every report from changes (a platform.Monitor's Changes)
// to NetworkChanged, in a goroutine the Manager owns: it ends when changes
// is closed or the Manager closes.
func (m *Manager) Follow(changes <-chan session.Change) {
	m.followers.Add(1)
	go func() {
		defer m.followers.Done()
		for {
			select {
			case ch, ok := <-changes:
				if !ok {
					return
				}
				m.NetworkChanged(ch)
			case <-m.ctx.Done():
				return
			}
		}
	}()
}

func containsAddr(as []netip.Addr, a netip.Addr) bool {
	return slices.Contains(as, a)
}
