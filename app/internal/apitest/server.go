package apitest

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"sort"
	"sync"
	"time"

	"github.com/espressovpn/espresso/helper/api"
)

// subscriberBuffer bounds the events queued for one watch or log client; a
// client that falls this far behind is disconnected, as a real helper
// would rather drop a slow client than grow without limit.
const subscriberBuffer = 256

// Server is a fake helper listening on a Unix socket. Its methods are safe
// for concurrent use. The zero value is not usable; call New.
type Server struct {
	socket string
	now    func() time.Time

	mu       sync.Mutex
	srv      *http.Server
	served   chan struct{} // closed when the current Serve returns
	profiles map[string]api.Profile
	status   map[string]api.ConnectionStatus
	outcomes map[string]Outcome
	pending  map[string]Outcome // held attempts, completed by Complete
	watchers map[chan api.Event]struct{}
	logs     []api.LogEntry
	logSubs  map[chan api.LogEntry]struct{}
	imports  []Import
	// level and refuseLevel are the log level and whether setting it is
	// refused (diagnostics.go).
	level       api.Level
	refuseLevel bool
}

// Import records one POST of a profile file, for tests that check what the
// app sent.
type Import struct {
	// Format is the format query parameter.
	Format string
	// Replace reports ?replace=true.
	Replace bool
	// Size is the body's length in bytes.
	Size int
}

// Options configure New.
type Options struct {
	// Now returns the current time (established_at, log times); nil means
	// time.Now.
	Now func() time.Time
}

// New returns a stopped Server for socket; Start makes it listen.
func New(socket string, o Options) *Server {
	now := o.Now
	if now == nil {
		now = time.Now
	}
	return &Server{
		socket:   socket,
		now:      now,
		profiles: map[string]api.Profile{},
		status:   map[string]api.ConnectionStatus{},
		outcomes: map[string]Outcome{},
		pending:  map[string]Outcome{},
		watchers: map[chan api.Event]struct{}{},
		logSubs:  map[chan api.LogEntry]struct{}{},
	}
}

// Socket returns the path the Server listens on.
func (s *Server) Socket() string { return s.socket }

// Start listens on the socket and serves in a goroutine that Stop ends. A
// stale socket file left by an earlier Stop is replaced.
func (s *Server) Start() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.srv != nil {
		return errors.New("apitest: already started")
	}
	if err := os.Remove(s.socket); err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("apitest: %w", err)
	}
	ln, err := net.Listen("unix", s.socket)
	if err != nil {
		return fmt.Errorf("apitest: %w", err)
	}
	s.srv = &http.Server{Handler: s.routes(), ReadHeaderTimeout: 10 * time.Second}
	s.served = make(chan struct{})
	go func(srv *http.Server, done chan struct{}) {
		defer close(done)
		_ = srv.Serve(ln)
	}(s.srv, s.served)
	return nil
}

// Stop closes the listener and every open connection, watch and log
// streams included, and waits for the serving goroutine to end; the socket
// file is removed, as when the helper exits. State is kept, so Start
// brings back the same helper. Stop on a stopped Server does nothing.
//
// The listener closes before any stream ends, as when the helper's
// process exits: a client that reopens its stream the moment it ends (the
// app's watcher does) must find no helper, not reach one that is going
// away and read an EOF or the state from before the restart.
func (s *Server) Stop() {
	s.mu.Lock()
	srv, done := s.srv, s.served
	s.srv, s.served = nil, nil
	s.mu.Unlock()
	if srv != nil {
		_ = srv.Close() // the listener first, then every connection
		<-done
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for ch := range s.watchers {
		close(ch)
		delete(s.watchers, ch)
	}
	for ch := range s.logSubs {
		close(ch)
		delete(s.logSubs, ch)
	}
}

// Running reports whether the Server is listening.
func (s *Server) Running() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.srv != nil
}

// sortedStatus returns every connection's status sorted by name; s.mu is
// held.
func (s *Server) sortedStatus() []api.ConnectionStatus {
	out := make([]api.ConnectionStatus, 0, len(s.status))
	for _, st := range s.status {
		out = append(out, cloneStatus(st))
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// publish sends ev to every watcher; one that cannot keep up is dropped
// (its stream ends and the client reconnects). s.mu is held.
func (s *Server) publish(ev api.Event) {
	for ch := range s.watchers {
		select {
		case ch <- ev:
		default:
			close(ch)
			delete(s.watchers, ch)
		}
	}
}

// setStatus stores st and publishes it; s.mu is held.
func (s *Server) setStatus(st api.ConnectionStatus) {
	s.status[st.Name] = st
	c := cloneStatus(st)
	s.publish(api.Event{Kind: api.EventStatus, Connection: &c})
}

func cloneStatus(st api.ConnectionStatus) api.ConnectionStatus {
	c := st
	c.VirtualIPs = append([]string{}, st.VirtualIPs...)
	c.DNS = append([]string{}, st.DNS...)
	c.DNSDomains = append([]string{}, st.DNSDomains...)
	c.LocalTS = append([]string{}, st.LocalTS...)
	c.RemoteTS = append([]string{}, st.RemoteTS...)
	if st.EstablishedAt != nil {
		t := *st.EstablishedAt
		c.EstablishedAt = &t
	}
	if st.Reconnect != nil {
		r := *st.Reconnect
		if r.NextAt != nil {
			t := *r.NextAt
			r.NextAt = &t
		}
		c.Reconnect = &r
	}
	return c
}
