package conn

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/espressovpn/espresso/helper/api"
	prof "github.com/espressovpn/espresso/helper/profile"
	"github.com/espressovpn/espresso/helper/session"
)

// ErrUnknownProfile is returned for a name the Manager was not told about.
var ErrUnknownProfile = errors.New("no such profile")

// ErrBusy is returned by RemoveProfile while the connection is active.
var ErrBusy = errors.New("the connection is active; disconnect it first")

// errShuttingDown refuses work once Close has begun.
var errShuttingDown = errors.New("the helper is shutting down")

// errNoAlwaysOn refuses a default always-on profile where the Manager
// was given no WithAlwaysOn.
var errNoAlwaysOn = errors.New("this helper keeps no always-on connections")

// ErrDisconnected is returned by Wait when the connection was ended (by a
// Disconnect) before it came up.
var ErrDisconnected = errors.New("the connection was disconnected before it came up")

// FailedError is returned by Wait when the connection attempt failed. Its
// message is the reason in words, as in ConnectionStatus.LastError, and
// Code classifies it, as ConnectionStatus.ErrorCode does.
type FailedError struct {
	Name string
	Err  error
	Code api.FailureCode
}

func (e *FailedError) Error() string { return e.Err.Error() }

// Unwrap returns the failure.
func (e *FailedError) Unwrap() error { return e.Err }

// Manager owns the state machine of every profile's connection. It is safe
// for concurrent use. Each active connection has one supervising goroutine,
// owned by the Manager: Disconnect and Close stop it and wait for it.
type Manager struct {
	dialer session.Dialer
	log    session.Logger
	policy RetryPolicy
	ks     *session.KillSwitch // nil: kill_switch is not available
	// resolver finds the gateway's addresses for the kill switch.
	resolver session.Resolver
	// claims are what the connections route, as the Dialer claims them;
	// nil: InTheWay finds nothing in a profile's way.
	claims *session.Claims

	ctx    context.Context // parent of every supervisor; cancelled by Close
	cancel context.CancelFunc
	// followers counts the goroutines Follow started; Close waits for
	// them.
	followers sync.WaitGroup

	// promptTimeout bounds the wait for a prompt's answer.
	promptTimeout time.Duration

	// always keeps always-on connections up; nil without WithAlwaysOn.
	always *AlwaysOn
	// reconsider serialises Reconsider.
	reconsider sync.Mutex

	mu       sync.Mutex
	conns    map[string]*profileConn
	watchers map[*Watcher]struct{}
	// prompts are the prompts waiting for an answer, by ID.
	prompts map[string]*waiting
	closed  bool
}

// profileConn is one profile's connection: its state and the
// supervisor's. Fields are guarded by Manager.mu.
type profileConn struct {
	name    string
	gateway string
	state   api.State
	lastErr string
	// code classifies lastErr (session.Code).
	code api.FailureCode
	// failure is the error behind a StateFailed, for Wait.
	failure error
	session session.Conn
	// changed is closed and replaced at every state change, for Wait.
	changed chan struct{}
	// stop ends the supervisor; done is closed when it has returned.
	// Both are nil while no supervisor runs.
	stop context.CancelFunc
	done chan struct{}
	// kick asks the supervisor, while it waits to reconnect, to try now;
	// it holds at most one request. Nil while no supervisor runs.
	kick chan struct{}
	// retry describes the reconnection in progress.
	retry retryState
	// peers are the gateway addresses sessions of this connection used,
	// which the kill switch lets IKE and ESP reach.
	peers []netip.Addr
	// looked is the gateway address learnGateway found for the next
	// attempt; the zero Addr once an attempt took it (gatewayFor).
	looked netip.Addr
	// blocked reports that the kill switch holds a block for c.
	blocked bool
	// password is the EAP password the supervisor uses; empty when it
	// must ask (see password.go). It is c's own copy, wiped when it is
	// replaced or refused and when the supervisor ends.
	password prof.Secret
	// refused reports that the gateway refused the password used last,
	// so a stored one is not tried again until a connection comes up.
	refused bool
	// alwaysOn reports that the profile is always-on; standby says why
	// it is down all the same, "" when nothing keeps it down (see
	// alwayson.go).
	alwaysOn bool
	standby  string
	// auto reports that the helper, not the user, started the
	// supervisor running now (Resume, Reconsider).
	auto bool
}

// Option configures a Manager.
type Option func(*Manager)

// WithKillSwitch makes the Manager block the traffic of profiles with
// kill_switch on through ks, from Connect until the user disconnects.
// Without it such profiles connect without a block.
func WithKillSwitch(ks *session.KillSwitch) Option {
	return func(m *Manager) { m.ks = ks }
}

// WithClaims tells the Manager what the connections route: the Claims
// the Dialer records them in, which InTheWay reads.
func WithClaims(c *session.Claims) Option {
	return func(m *Manager) { m.claims = c }
}

// NewManager returns a Manager that connects through d and logs to log.
func NewManager(d session.Dialer, log session.Logger, policy RetryPolicy, opts ...Option) *Manager {
	ctx, cancel := context.WithCancel(context.Background())
	m := &Manager{
		dialer:   d,
		log:      log,
		policy:   policy,
		ctx:      ctx,
		cancel:   cancel,
		conns:    make(map[string]*profileConn),
		watchers: make(map[*Watcher]struct{}),
		prompts:  make(map[string]*waiting),
		resolver: session.KillSwitchResolver(),

		promptTimeout: DefaultPromptTimeout,
	}
	for _, o := range opts {
		o(m)
	}
	return m
}

// SetProfile adds a profile (disconnected) or updates its gateway. A
// running connection keeps the settings it was started with until it
// reconnects.
func (m *Manager) SetProfile(name, gateway string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	c, ok := m.conns[name]
	if ok && c.gateway == gateway {
		return
	}
	if !ok {
		c = &profileConn{name: name, state: api.StateDisconnected, changed: make(chan struct{})}
		m.conns[name] = c
	}
	c.gateway = gateway
	m.broadcastLocked(api.Event{Kind: api.EventStatus, Connection: ptr(m.statusLocked(c))})
}

// RemoveProfile forgets a profile, lifting the kill switch a broken
// connection of it kept; ErrBusy while its connection is active.
func (m *Manager) RemoveProfile(name string) error {
	m.mu.Lock()
	c, ok := m.conns[name]
	if !ok {
		m.mu.Unlock()
		return ErrUnknownProfile
	}
	if c.done != nil {
		m.mu.Unlock()
		return ErrBusy
	}
	blocked := c.blocked
	c.password.Wipe()
	c.password = nil
	delete(m.conns, name)
	m.broadcastLocked(api.Event{Kind: api.EventRemoved, Name: name})
	m.mu.Unlock()
	if m.always != nil {
		if err := m.always.Wanted.Forget(name); err != nil {
			m.log.Logf(api.LevelError, name, "%v", err)
		}
	}
	if blocked {
		m.release(name)
	}
	return nil
}

// Active reports whether the profile's connection is connecting,
// connected or reconnecting.
func (m *Manager) Active(name string) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	c, ok := m.conns[name]
	return ok && c.done != nil
}

// Connect starts connecting p (whose name SetProfile made known). It
// returns at once; an active connection is left as it is. p holds its
// stored secrets; an EAP-MSCHAPv2 profile without a password (or whose
// stored password the gateway refused last) has the user asked for one
// when it is needed.
func (m *Manager) Connect(p api.Profile) error {
	m.hold(p.Name, false)
	return m.start(p, "", false)
}

// ConnectWithPassword is Connect with the EAP password the user gave for
// this connection, used instead of a stored one. It is kept in memory
// for the connection's reconnections only.
func (m *Manager) ConnectWithPassword(p api.Profile, password string) error {
	m.hold(p.Name, false)
	return m.start(p, password, false)
}

// start launches p's supervisor with the password given for it, if any;
// resumed starts it as a reconnection, which the helper itself asked for.
func (m *Manager) start(p api.Profile, password string, resumed bool) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	var c *profileConn
	for {
		var ok bool
		if c, ok = m.conns[p.Name]; !ok {
			return ErrUnknownProfile
		}
		if c.done == nil || c.state != api.StateFailed {
			break
		}
		// The supervisor failed and is on its way out (lifting the
		// kill switch, say): a Connect right after the failure starts
		// anew rather than being taken for a connection still active.
		done := c.done
		m.mu.Unlock()
		<-done
		m.mu.Lock()
	}
	if m.closed {
		return errShuttingDown
	}
	if c.done != nil {
		return nil
	}
	// The profile is parsed once, for every attempt of this connection;
	// one that does not parse fails the connection as a dial would.
	tp, perr := prof.Parse(&p)
	if perr == nil {
		takePasswordLocked(c, tp, password)
	}
	ctx, stop := context.WithCancel(m.ctx)
	c.stop, c.done, c.kick = stop, make(chan struct{}), make(chan struct{}, 1)
	c.lastErr, c.code = "", ""
	c.auto = resumed
	if resumed {
		c.retry = retryState{attempt: 1}
		m.setStateLocked(c, api.StateReconnecting)
	} else {
		m.setStateLocked(c, api.StateConnecting)
	}
	m.log.Logf(api.LevelInfo, p.Name, "connecting to %s", p.Gateway)
	go m.supervise(ctx, c, tp, perr, c.done, resumed)
	return nil
}

// InTheWay returns the names of the active connections whose networks
// overlap those p asks for (its remote_ts, less its exclude list): those
// that would refuse p, and that p takes over when the user says so.
func (m *Manager) InTheWay(p api.Profile) []string {
	if m.claims == nil {
		return nil
	}
	tp, err := prof.Parse(&p)
	if err != nil {
		// Connect reports it.
		return nil
	}
	defer tp.Wipe()
	return session.InTheWay(m.claims, tp)
}

// Disconnect ends the profile's connection, as the user's down, and
// waits, as long as ctx allows, until the system is restored. An
// always-on connection stays down until the user connects it again.
func (m *Manager) Disconnect(ctx context.Context, name string) error {
	m.mu.Lock()
	_, ok := m.conns[name]
	m.mu.Unlock()
	if !ok {
		return ErrUnknownProfile
	}
	m.hold(name, true)
	return m.disconnect(ctx, name)
}

// disconnect ends the profile's connection and waits, as long as ctx
// allows, until the system is restored.
func (m *Manager) disconnect(ctx context.Context, name string) error {
	m.mu.Lock()
	c, ok := m.conns[name]
	if !ok {
		m.mu.Unlock()
		return ErrUnknownProfile
	}
	stop, done, blocked := c.stop, c.done, c.blocked
	if done == nil && c.state == api.StateFailed {
		m.setStateLocked(c, api.StateDisconnected)
	}
	m.mu.Unlock()
	if done == nil {
		if blocked {
			// A broken connection kept its block until now.
			m.release(name)
		}
		return nil
	}
	m.log.Logf(api.LevelInfo, name, "disconnecting")
	stop()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Wait blocks until the profile's connection is up and returns its status;
// it returns a *FailedError when the attempt failed and ErrDisconnected
// when the connection was ended first.
func (m *Manager) Wait(ctx context.Context, name string) (api.ConnectionStatus, error) {
	for {
		m.mu.Lock()
		c, ok := m.conns[name]
		if !ok {
			m.mu.Unlock()
			return api.ConnectionStatus{}, ErrUnknownProfile
		}
		st := m.statusLocked(c)
		changed, failure := c.changed, c.failure
		m.mu.Unlock()
		switch st.State {
		case api.StateConnected:
			return st, nil
		case api.StateFailed:
			return st, &FailedError{Name: name, Err: failure, Code: st.ErrorCode}
		case api.StateDisconnected:
			return st, ErrDisconnected
		}
		select {
		case <-changed:
		case <-ctx.Done():
			return st, ctx.Err()
		}
	}
}

// Status returns the status of every profile, sorted by name.
func (m *Manager) Status() []api.ConnectionStatus {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.statusAllLocked()
}

// StatusOf returns one profile's status.
func (m *Manager) StatusOf(name string) (api.ConnectionStatus, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	c, ok := m.conns[name]
	if !ok {
		return api.ConnectionStatus{}, ErrUnknownProfile
	}
	return m.statusLocked(c), nil
}

// Close ends every connection, waits for their supervisors (as long as ctx
// allows) and ends every watch. A clean stop of the helper (an upgrade, a
// restart) is not the user's "down": every kill switch block stays
// engaged, with its record, that of a broken connection too, so that the
// connections' traffic does not leave in the clear while no helper runs;
// the next helper resumes them (Resume).
func (m *Manager) Close(ctx context.Context) error {
	m.mu.Lock()
	m.closed = true
	var dones []chan struct{}
	for _, c := range m.conns {
		if c.done != nil {
			dones = append(dones, c.done)
		}
		if c.blocked {
			m.log.Logf(api.LevelInfo, c.name, "helper stopping: the kill switch stays engaged; the next helper reconnects this connection")
		}
	}
	m.mu.Unlock()
	m.cancel()
	for _, d := range dones {
		select {
		case <-d:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	m.followers.Wait()
	m.mu.Lock()
	for w := range m.watchers {
		m.dropWatcherLocked(w)
	}
	m.mu.Unlock()
	return nil
}

// stopping reports whether Close has begun: a supervisor ending then
// keeps its connection's kill switch block for the next helper.
func (m *Manager) stopping() bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.closed
}

func (m *Manager) statusAllLocked() []api.ConnectionStatus {
	out := make([]api.ConnectionStatus, 0, len(m.conns))
	for _, c := range m.conns {
		out = append(out, m.statusLocked(c))
	}
	slices.SortFunc(out, func(a, b api.ConnectionStatus) int { return strings.Compare(a.Name, b.Name) })
	return out
}

// setStateLocked moves c to state, wakes waiters and tells watchers.
func (m *Manager) setStateLocked(c *profileConn, state api.State) {
	c.state = state
	close(c.changed)
	c.changed = make(chan struct{})
	m.broadcastLocked(api.Event{Kind: api.EventStatus, Connection: ptr(m.statusLocked(c))})
}

func ptr[T any](v T) *T { return &v }

// describe turns an error into the reason shown to the user.
func describe(err error) string {
	if err == nil {
		return ""
	}
	return fmt.Sprint(err)
}
