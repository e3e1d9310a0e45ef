package conn

import (
	"context"
	"time"

	"github.com/espressovpn/espresso/helper/api"
)

// RetryPolicy says how a dropped connection is re-established. The first
// attempt of a Connect is never retried: its failure is shown at once.
type RetryPolicy struct {
	// Attempts is how many dials follow a drop before the connection is
	// marked failed.
	Attempts int
	// Backoff is the pause before the first of them; it doubles after each
	// failed attempt up to MaxBackoff.
	Backoff, MaxBackoff time.Duration
	// Stable is how long a session must have lasted for a drop to start a
	// fresh series of attempts, so a gateway that accepts and then drops
	// every connection cannot keep the helper dialing forever.
	Stable time.Duration
}

// DefaultRetryPolicy is the helper's policy: five attempts over about a
// minute.
var DefaultRetryPolicy = RetryPolicy{Attempts: 5, Backoff: 2 * time.Second, MaxBackoff: 30 * time.Second, Stable: time.Minute}

// permanent is implemented by errors that retrying cannot fix (wrong
// credentials, no acceptable proposal).
type permanent interface{ Permanent() bool }

func isPermanent(err error) bool {
	p, ok := err.(permanent)
	return ok && p.Permanent()
}

// supervise is the goroutine that drives one connection until ctx is done
// or the connection fails for good. It owns the Session it dials and
// always closes it before returning; it closes done last.
func (m *Manager) supervise(ctx context.Context, c *conn, p api.Profile, done chan struct{}) {
	defer m.finish(c, done)
	attempts := 0
	backoff := m.policy.Backoff
	reconnecting := false
	for {
		s, err := m.dialer.Dial(ctx, p)
		if ctx.Err() != nil {
			if s != nil {
				m.closeSession(p.Name, s)
			}
			return
		}
		if err != nil {
			m.log.Logf(api.LevelError, p.Name, "connection failed: %v", err)
			if !reconnecting || isPermanent(err) || attempts >= m.policy.Attempts {
				m.fail(c, err)
				return
			}
			m.reconnecting(c, err)
			attempts++
			if !sleep(ctx, backoff) {
				return
			}
			backoff = min(2*backoff, m.policy.MaxBackoff)
			continue
		}
		m.connected(c, s)
		start := time.Now()
		select {
		case <-ctx.Done():
			m.closeSession(p.Name, s)
			return
		case <-s.Done():
		}
		err = s.Err()
		m.closeSession(p.Name, s)
		m.log.Logf(api.LevelWarn, p.Name, "connection lost: %v; reconnecting", err)
		if time.Since(start) >= m.policy.Stable {
			attempts, backoff = 0, m.policy.Backoff
		}
		if attempts >= m.policy.Attempts {
			m.fail(c, err)
			return
		}
		reconnecting = true
		m.reconnecting(c, err)
		attempts++
		if !sleep(ctx, backoff) {
			return
		}
		backoff = min(2*backoff, m.policy.MaxBackoff)
	}
}

// sleep waits d or until ctx is done; it reports whether d passed.
func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}

func (m *Manager) closeSession(name string, s Session) {
	if err := s.Close(); err != nil {
		m.log.Logf(api.LevelError, name, "closing the tunnel: %v", err)
	}
}

func (m *Manager) connected(c *conn, s Session) {
	m.mu.Lock()
	defer m.mu.Unlock()
	c.session = s
	c.lastErr = ""
	m.log.Logf(api.LevelInfo, c.name, "connected")
	m.setStateLocked(c, api.StateConnected)
}

func (m *Manager) reconnecting(c *conn, err error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	c.session = nil
	c.lastErr = describe(err)
	m.setStateLocked(c, api.StateReconnecting)
}

func (m *Manager) fail(c *conn, err error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	c.session = nil
	c.lastErr = describe(err)
	c.failure = err
	m.setStateLocked(c, api.StateFailed)
}

// finish marks the supervisor gone; a connection that did not fail ends
// disconnected.
func (m *Manager) finish(c *conn, done chan struct{}) {
	m.mu.Lock()
	c.session = nil
	c.stop, c.done = nil, nil
	if c.state != api.StateFailed {
		m.log.Logf(api.LevelInfo, c.name, "disconnected")
		m.setStateLocked(c, api.StateDisconnected)
	}
	m.mu.Unlock()
	close(done)
}
