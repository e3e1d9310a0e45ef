package conn

import (
	"net/netip"
	"slices"

	"github.com/espressovpn/espresso/helper/api"
	"github.com/espressovpn/espresso/platform"
)

// PathObserver is implemented by a Session that reacts by itself to a
// change of the network under it: with MOBIKE it moves its SAs to the new
// path (RFC 4555 §3.5); without, a liveness check (RFC 7296 §2.4) finds
// out at once whether the gateway still knows the IKE SA, and the session
// ends if not, which the Manager then reconnects. PathChanged must not
// block. A Session without it is left to its dead peer detection.
type PathObserver interface {
	PathChanged(c platform.Change)
}

// NetworkChanged tells the Manager that the network changed or the system
// woke up: every connection waiting to reconnect tries at once, with its
// backoff started over, and every established session implementing
// PathObserver is told.
func (m *Manager) NetworkChanged(ch platform.Change) {
	var observers []PathObserver
	m.mu.Lock()
	for _, c := range m.conns {
		if c.done == nil {
			continue
		}
		if c.state == api.StateConnected {
			if o, ok := c.session.(PathObserver); ok {
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
}

// Follow passes every report from changes (a platform.Monitor's Changes)
// to NetworkChanged, in a goroutine the Manager owns: it ends when changes
// is closed or the Manager closes.
func (m *Manager) Follow(changes <-chan platform.Change) {
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
