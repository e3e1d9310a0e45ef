package conn

import (
	"context"
	"errors"
	"time"

	"github.com/espressovpn/espresso/helper/api"
	prof "github.com/espressovpn/espresso/helper/profile"
	"github.com/espressovpn/espresso/helper/session"
)

// code returns the failure code of err (session.Code), empty for nil.
func code(err error) api.FailureCode {
	c, _ := session.Code(err)
	return c
}

// isPermanent reports whether dialling again cannot fix err (wrong
// credentials, no acceptable proposal, a prompt nobody answered).
func isPermanent(err error) bool {
	_, permanent := session.Code(err)
	return permanent
}

// invalidProfile is a profile that does not parse: it must be edited
// first, so retrying cannot help.
type invalidProfile struct{ err error }

func (e *invalidProfile) Error() string { return e.err.Error() }

// Unwrap returns the *api.Error naming the field.
func (e *invalidProfile) Unwrap() error { return e.err }

// Permanent reports true.
func (e *invalidProfile) Permanent() bool { return true }

// supervise is the goroutine that drives one connection until ctx is done
// or the connection fails for good. It owns the session.Conn it dials and
// always closes it before returning; it closes done last. A resumed
// connection (see Resume) counts as reconnecting from its first attempt.
// p is the profile parsed by start, nil when perr says why it did not
// parse.
func (m *Manager) supervise(ctx context.Context, c *profileConn, p *prof.Profile, perr error, done chan struct{}, resumed bool) {
	everUp := resumed
	defer func() {
		// Only the user's intent lifts the kill switch: Disconnect
		// cancels ctx. A connection that broke after being up keeps its
		// block until the user disconnects it. A clean stop of the helper
		// (Close) is not the user's: the block and its record stay, and
		// the next helper resumes the connection (Resume).
		switch {
		case ctx.Err() != nil && m.stopping():
		case ctx.Err() != nil || !everUp:
			m.release(c.name)
		}
		// Nothing dials with p any more: its secrets can go.
		if p != nil {
			p.Wipe()
		}
		m.finish(c, done)
	}()
	if perr != nil {
		err := &invalidProfile{perr}
		m.log.Logf(api.LevelError, c.name, "connection failed: %v", err)
		m.fail(c, err)
		return
	}
	if err := m.engage(c, p, false); err != nil {
		m.log.Logf(api.LevelError, p.Name, "%v", err)
		m.fail(c, err)
		return
	}
	r := newRetrier(m.policy)
	reconnecting := resumed
	for {
		if reconnecting {
			r.made++
			m.attempting(c, r.made)
		}
		s, err := m.dial(ctx, c, p, reconnecting)
		if ctx.Err() != nil {
			if s != nil {
				m.closeSession(p.Name, s)
			}
			return
		}
		if err != nil {
			m.log.Logf(api.LevelError, p.Name, "connection failed: %v", err)
			// A refused password is asked for again at the next attempt
			// of a reconnection, which a person must answer.
			again := m.passwordRefused(c, p, err) && reconnecting
			if !reconnecting || (isPermanent(err) && !again) || r.exhausted() {
				m.fail(c, err)
				return
			}
			if !m.pause(ctx, c, &r, r.failed(), err) {
				return
			}
			continue
		}
		everUp = true
		m.connected(c, s)
		if err := m.engage(c, p, true); err != nil {
			// The tunnel carries the protected traffic now; the block
			// only failed to let DNS through, which is logged.
			m.log.Logf(api.LevelError, p.Name, "%v", err)
		}
		start := time.Now()
		select {
		case <-ctx.Done():
			if m.stopping() {
				// The block outlives the helper: back to "down" before
				// the tunnel's routes and DNS go with the session.
				if kerr := m.engage(c, p, false); kerr != nil {
					m.log.Logf(api.LevelError, p.Name, "%v", kerr)
				}
			}
			m.closeSession(p.Name, s)
			return
		case <-s.Done():
		}
		err = s.Err()
		// The block goes back to "down" before the session's Close takes
		// the tunnel's routes and DNS away.
		if kerr := m.engage(c, p, false); kerr != nil {
			m.log.Logf(api.LevelError, p.Name, "%v", kerr)
		}
		m.closeSession(p.Name, s)
		m.passwordRefused(c, p, err)
		if errors.Is(err, ErrPasswordCancelled) || errors.Is(err, ErrPasswordTimeout) {
			// An on-demand session asked the user and got no password:
			// trying again would only ask again.
			m.log.Logf(api.LevelError, p.Name, "%v", err)
			m.fail(c, err)
			return
		}
		m.log.Logf(api.LevelWarn, p.Name, "connection lost: %v; reconnecting", err)
		reconnecting = true
		wait := time.Duration(0)
		if time.Since(start) >= m.policy.Stable {
			r.reset()
		} else {
			wait = r.failed()
		}
		if r.exhausted() {
			m.fail(c, err)
			return
		}
		if !m.pause(ctx, c, &r, wait, err) {
			return
		}
	}
}

// dial makes one attempt: the password known or asked for, then the
// Dialer's with what the attempt already has (the Dialer loads the
// profile's own certificate and key).
func (m *Manager) dial(ctx context.Context, c *profileConn, p *prof.Profile, reconnecting bool) (session.Conn, error) {
	dp, ask, err := m.withPassword(ctx, c, p, reconnecting)
	if err != nil {
		return nil, err
	}
	if dp != p {
		// The Dialer keeps its own copy of what it needs.
		defer dp.Password.Wipe()
	}
	return m.dialer.Dial(ctx, session.Attempt{Profile: dp, Gateway: m.gatewayFor(c, p), Prompt: ask})
}

// pause shows the coming attempt in the status and waits d, until ctx is
// done, or until a network change or wake asks for an attempt now (which
// also starts the doubling over). It reports whether to go on.
func (m *Manager) pause(ctx context.Context, c *profileConn, r *retrier, d time.Duration, err error) bool {
	m.waiting(c, err, r.made+1, time.Now().Add(d))
	if d <= 0 {
		return true
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-c.kick:
		r.hurry()
		m.log.Logf(api.LevelInfo, c.name, "the network changed; reconnecting now")
		return true
	case <-ctx.Done():
		return false
	}
}

func (m *Manager) closeSession(name string, s session.Conn) {
	if err := s.Close(); err != nil {
		m.log.Logf(api.LevelError, name, "closing the tunnel: %v", err)
	}
}

func (m *Manager) connected(c *profileConn, s session.Conn) {
	info := s.Info()
	m.mu.Lock()
	defer m.mu.Unlock()
	c.session = s
	c.lastErr, c.code = "", ""
	// Whatever password the gateway refused before, the one in use now
	// passed (see password.go).
	c.refused = false
	c.retry = retryState{}
	if a := info.Peer.Addr(); a.IsValid() && !containsAddr(c.peers, a.Unmap()) {
		c.peers = append(c.peers, a.Unmap())
	}
	m.log.Logf(api.LevelInfo, c.name, "connected")
	m.setStateLocked(c, api.StateConnected)
}

// waiting records the failure and when attempt comes.
func (m *Manager) waiting(c *profileConn, err error, attempt int, next time.Time) {
	m.mu.Lock()
	defer m.mu.Unlock()
	c.session = nil
	c.lastErr, c.code = describe(err), code(err)
	c.retry = retryState{attempt: attempt, next: next}
	m.log.Logf(api.LevelInfo, c.name, "%s", c.retry.describe(time.Now()))
	m.setStateLocked(c, api.StateReconnecting)
}

// attempting records that attempt is under way.
func (m *Manager) attempting(c *profileConn, attempt int) {
	m.mu.Lock()
	defer m.mu.Unlock()
	c.session = nil
	c.retry = retryState{attempt: attempt}
	m.setStateLocked(c, api.StateReconnecting)
}

func (m *Manager) fail(c *profileConn, err error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	c.session = nil
	c.lastErr, c.code = describe(err), code(err)
	c.failure = err
	c.retry = retryState{}
	m.setStateLocked(c, api.StateFailed)
}

// finish marks the supervisor gone; a connection that did not fail ends
// disconnected.
func (m *Manager) finish(c *profileConn, done chan struct{}) {
	m.mu.Lock()
	c.session = nil
	c.stop, c.done, c.kick = nil, nil, nil
	// The next Connect chooses its password anew (takePasswordLocked).
	c.password.Wipe()
	c.password = nil
	c.retry = retryState{}
	if c.state != api.StateFailed {
		m.log.Logf(api.LevelInfo, c.name, "disconnected")
		m.setStateLocked(c, api.StateDisconnected)
	}
	m.mu.Unlock()
	close(done)
}
