// Package server is the helper's local API: HTTP/1.1 over a Unix socket,
// with every connection's peer credentials checked before any request is
// read, serving the paths of package api.
package server

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"runtime"
	"sync"
	"time"

	"github.com/espressovpn/espresso/helper/api"
	"github.com/espressovpn/espresso/helper/conn"
	"github.com/espressovpn/espresso/helper/logring"
	"github.com/espressovpn/espresso/helper/profile"
)

// maxBody bounds request bodies (a profile with inline certificates and a
// PKCS#12 bundle fits easily).
const maxBody = 2 << 20

// disconnectTimeout bounds how long a disconnect request waits for the
// system to be restored.
const disconnectTimeout = 30 * time.Second

// Config is what a Server serves.
type Config struct {
	Store   *profile.Store
	Manager *conn.Manager
	Log     *logring.Ring
	Auth    Authorizer
	// Version is the helper's release version, reported by /v1/version.
	Version string
	// SystemState gathers the system's network state for
	// /v1/diagnostics, for a caller who is root or not; nil gathers none.
	SystemState func(ctx context.Context, root bool) []api.SystemState
}

// Server serves the local API.
type Server struct {
	cfg    Config
	http   *http.Server
	ctx    context.Context // parent of every request; cancelled by Shutdown
	cancel context.CancelFunc
	// mu serialises changes that touch both the store and the manager, so
	// a profile cannot be removed while a connect to it starts.
	mu sync.Mutex

	// stopMu guards stopping and ln. A watch holds it for reading while
	// it registers with the manager, so that once StopAccepting returns,
	// every watch stream either is the manager's (and ends when the
	// manager closes) or was refused.
	stopMu   sync.RWMutex
	stopping bool
	ln       net.Listener // the one Serve accepts on; nil before
}

type peerKey struct{}

// peerInfo is what ConnContext learned about a connection's peer.
type peerInfo struct {
	peer Peer
	err  error
}

// New returns a Server for cfg.
func New(cfg Config) *Server {
	ctx, cancel := context.WithCancel(context.Background())
	s := &Server{cfg: cfg, ctx: ctx, cancel: cancel}
	s.http = &http.Server{
		Handler:           s.authorize(s.routes()),
		ReadHeaderTimeout: 10 * time.Second,
		BaseContext:       func(net.Listener) context.Context { return ctx },
		ConnContext: func(ctx context.Context, c net.Conn) context.Context {
			p, err := peerOf(c)
			return context.WithValue(ctx, peerKey{}, peerInfo{peer: p, err: err})
		},
	}
	return s
}

// Serve accepts connections on ln until StopAccepting or Shutdown; it
// returns http.ErrServerClosed after either.
func (s *Server) Serve(ln net.Listener) error {
	ln = &closeOnce{Listener: ln}
	s.stopMu.Lock()
	if s.stopping {
		s.stopMu.Unlock()
		ln.Close()
		return http.ErrServerClosed
	}
	s.ln = ln
	s.stopMu.Unlock()
	err := s.http.Serve(ln)
	if errors.Is(err, net.ErrClosed) && s.isStopping() {
		return http.ErrServerClosed
	}
	return err
}

// StopAccepting begins the shutdown: the listener closes (a client that
// dials now finds no helper), idle connections close, and a watch that
// arrives on a connection still open is refused with CodeStopping. The
// requests and streams in progress go on, so watchers see the
// connections come down as the manager closes; Shutdown ends the rest.
// It returns the listener's Close error, and nil when called again.
func (s *Server) StopAccepting() error {
	s.stopMu.Lock()
	defer s.stopMu.Unlock()
	if s.stopping {
		return nil
	}
	s.stopping = true
	s.http.SetKeepAlivesEnabled(false)
	if s.ln == nil {
		return nil
	}
	return s.ln.Close()
}

func (s *Server) isStopping() bool {
	s.stopMu.RLock()
	defer s.stopMu.RUnlock()
	return s.stopping
}

// Shutdown stops accepting connections (StopAccepting), then ends every
// stream and waits, as long as ctx allows, for the requests in progress.
// The listener closes before any stream ends: a client that reopens its
// stream the moment it ends must find no helper, not one going away.
func (s *Server) Shutdown(ctx context.Context) error {
	err := s.StopAccepting()
	s.cancel()
	return errors.Join(err, s.http.Shutdown(ctx))
}

// closeOnce is a listener that closes once; closing it again, as
// http.Server does after StopAccepting, is no error.
type closeOnce struct {
	net.Listener
	once sync.Once
	err  error
}

func (l *closeOnce) Close() error {
	l.once.Do(func() { l.err = l.Listener.Close() })
	return l.err
}

// authorize answers 403, and nothing else, to a peer that is neither root
// nor in the group, and to a request whose peer is unknown: the zero Peer
// is uid 0, so a request that reached the handler without going through
// ConnContext would otherwise pass as root.
func (s *Server) authorize(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		pi, ok := r.Context().Value(peerKey{}).(peerInfo)
		if !ok || pi.err != nil || !s.cfg.Auth.Allowed(pi.peer) {
			writeError(w, api.Errorf(api.CodeForbidden, "access denied: only root and members of the %q group may use the Espresso helper", s.cfg.Auth.Group))
			return
		}
		next.ServeHTTP(w, r)
	})
}

// unknownUID is the uid peerFrom reports for a request without peer
// credentials: (uid_t)-1, which no user has, so that no check mistakes
// such a request for root's.
const unknownUID = ^uint32(0)

// peerFrom returns the authorised peer of a request.
func peerFrom(r *http.Request) Peer {
	pi, ok := r.Context().Value(peerKey{}).(peerInfo)
	if !ok || pi.err != nil {
		return Peer{UID: unknownUID}
	}
	return pi.peer
}

func (s *Server) routes() *http.ServeMux {
	mux := http.NewServeMux()
	mux.HandleFunc("GET "+api.PathProfiles, s.listProfiles)
	mux.HandleFunc("POST "+api.PathProfiles, s.createProfile)
	mux.HandleFunc("GET "+api.PathProfile, s.getProfile)
	mux.HandleFunc("PUT "+api.PathProfile, s.putProfile)
	mux.HandleFunc("DELETE "+api.PathProfile, s.deleteProfile)
	mux.HandleFunc("POST "+api.PathConnect, s.connect)
	mux.HandleFunc("POST "+api.PathDisconnect, s.disconnect)
	mux.HandleFunc("GET "+api.PathStatus, s.status)
	mux.HandleFunc("GET "+api.PathStatusOne, s.statusOne)
	mux.HandleFunc("GET "+api.PathWatch, s.watch)
	mux.HandleFunc("GET "+api.PathLogs, s.logs)
	mux.HandleFunc("GET "+api.PathVersion, s.version)
	mux.HandleFunc("GET "+api.PathLogLevel, s.logLevel)
	mux.HandleFunc("PUT "+api.PathLogLevel, s.setLogLevel)
	mux.HandleFunc("GET "+api.PathDiagnostics, s.diagnostics)
	mux.HandleFunc("POST "+api.PathPrompt, s.answerPrompt)
	mux.HandleFunc("GET "+api.PathAlwaysOn, s.alwaysOn)
	mux.HandleFunc("PUT "+api.PathAlwaysOn, s.setAlwaysOn)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, api.Errorf(api.CodeNotFound, "no such API path: %s %s", r.Method, r.URL.Path))
	})
	return mux
}

func (s *Server) version(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, api.VersionInfo{
		API: api.Version, Helper: s.cfg.Version, OS: runtime.GOOS, Arch: runtime.GOARCH,
		PromptProtocol: api.PromptProtocol,
	})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", api.ContentTypeJSON)
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// readJSON reads a request's JSON body into v. When the body is too
// large or not valid JSON it answers CodeBadRequest, naming what (such as
// "the answer") is not valid, and returns false.
func readJSON(w http.ResponseWriter, r *http.Request, v any, what string) bool {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBody))
	if err == nil {
		err = json.Unmarshal(body, v)
	}
	if err != nil {
		writeError(w, api.Errorf(api.CodeBadRequest, "%s is not valid JSON", what))
		return false
	}
	return true
}

// writeError sends err in the API's error format; errors that are not
// *api.Error become CodeInternal.
func writeError(w http.ResponseWriter, err error) {
	var e *api.Error
	if !errors.As(err, &e) {
		e = &api.Error{Code: api.CodeInternal, Message: err.Error()}
	}
	writeJSON(w, e.Code.HTTPStatus(), api.ErrorBody{Error: e})
}
