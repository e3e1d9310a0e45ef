package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"time"

	"github.com/kardianos/service"

	"github.com/espressovpn/espresso/helper/api"
	"github.com/espressovpn/espresso/helper/conn"
	"github.com/espressovpn/espresso/helper/logring"
	"github.com/espressovpn/espresso/helper/netstate"
	"github.com/espressovpn/espresso/helper/profile"
	"github.com/espressovpn/espresso/helper/server"
	helpersvc "github.com/espressovpn/espresso/helper/service"
	"github.com/espressovpn/espresso/internal/version"
	"github.com/espressovpn/espresso/platform"
)

// logCapacity is how many log entries the helper keeps for clients.
const logCapacity = 2000

// stopTimeout bounds the shutdown: disconnecting every connection and
// ending every request.
const stopTimeout = 30 * time.Second

// program is the helper as the service manager sees it: Start brings it
// up (or fails so the manager knows), Stop takes it down.
type program struct {
	paths helpersvc.Paths
	log   *logring.Ring

	sys      *system
	mgr      *conn.Manager
	srv      *server.Server
	ln       net.Listener
	serveErr chan error
}

// newProgram returns the helper, logging from level up. Each entry is
// also written to stderr, except under systemd, whose journal keeps the
// service's stderr as it keeps the system log (Start): there a line would
// be there twice, and only the system log's has its priority.
func newProgram(paths helpersvc.Paths, stderr io.Writer, level api.Level) *program {
	var mirror io.Writer = stderr
	if !service.Interactive() && os.Getenv("JOURNAL_STREAM") != "" {
		mirror = nil
	}
	l := logring.New(logCapacity, nil, mirror)
	_ = l.SetLevel(level)
	return &program{paths: paths, log: l}
}

// logToSystem sends the log to the system logger of s (syslog, which
// journald reads on Linux and the unified log keeps on macOS) when the
// helper runs as a service: under FreeBSD's rc.d its stderr goes nowhere.
// In a terminal stderr is enough.
func (p *program) logToSystem(s service.Service, interactive bool) {
	if interactive {
		return
	}
	sl, err := s.SystemLogger(nil)
	if err != nil {
		p.log.Logf(api.LevelWarn, "", "no system log: %v", err)
		return
	}
	p.log.SetSink(helpersvc.SystemLog(sl))
}

// Start opens the store, undoes what a crashed predecessor left on the
// system, and serves the API. Everything that can fail is done before
// Start returns.
func (p *program) Start(s service.Service) error {
	p.logToSystem(s, service.Interactive())
	store, err := profile.Open(filepath.Join(p.paths.StateDir, "profiles"))
	if err != nil {
		return err
	}
	p.sys, err = openSystem(filepath.Join(p.paths.StateDir, "platform"), p.log)
	if err != nil {
		return err
	}
	wanted, err := conn.OpenWanted(filepath.Join(p.paths.StateDir, "always-on.json"))
	if err != nil {
		return err
	}
	claims := new(platform.Claims)
	p.mgr = conn.NewManager(newDialer(p.sys.net, p.log, filepath.Join(p.paths.StateDir, "session", "virtual-ips.json"), claims), p.log, conn.DefaultRetryPolicy,
		conn.WithKillSwitch(p.sys.killSwitch()), conn.WithClaims(claims),
		conn.WithAlwaysOn(conn.AlwaysOn{Wanted: wanted, Profiles: store.List, Survey: p.sys.survey()}))
	if p.sys.monitor != nil {
		p.mgr.Follow(p.sys.monitor.Changes())
	}
	ps, err := store.List()
	if err != nil {
		return err
	}
	for _, pr := range ps {
		p.mgr.SetProfile(pr.Name, pr.Gateway)
	}
	// A kill switch block left by a crashed helper means the user wanted
	// that connection up: bring it back under the block.
	resumed, err := p.mgr.Resume(ps)
	if err != nil {
		p.log.Logf(api.LevelError, "", "resuming connections held by the kill switch: %v", err)
	}
	for _, name := range resumed {
		p.log.Logf(api.LevelInfo, name, "reconnecting: the kill switch of an earlier helper still holds this connection")
	}
	// Always-on connections come up now, unless the user took them down
	// or the machine is on one of their trusted networks.
	p.mgr.Reconsider()
	p.ln, err = server.Listen(p.paths.Socket, api.GroupName)
	if err != nil {
		return err
	}
	p.srv = server.New(server.Config{
		Store:   store,
		Manager: p.mgr,
		Log:     p.log,
		Auth:    server.Authorizer{Group: api.GroupName},
		Version: version.String(),
		SystemState: func(ctx context.Context, root bool) []api.SystemState {
			return netstate.Gather(ctx, netstate.ExecRunner{}, netstate.Sources(runtime.GOOS), root)
		},
	})
	p.serveErr = make(chan error, 1)
	go func() { p.serveErr <- p.srv.Serve(p.ln) }()
	p.log.Logf(api.LevelInfo, "", "espresso-helper %s listening on %s, %d profiles", version.String(), p.paths.Socket, len(ps))
	return nil
}

// Stop ends every connection (restoring the system, but keeping the kill
// switch blocks of wanted connections for the next helper), then the API.
// The API stops accepting first: the watch streams follow the connections
// down and end when the manager closes, and a client that reopens its
// stream then must find no helper (or be told it is stopping), not get a
// snapshot of a helper going away.
func (p *program) Stop(service.Service) error {
	ctx, cancel := context.WithTimeout(context.Background(), stopTimeout)
	defer cancel()
	p.log.Logf(api.LevelInfo, "", "stopping")
	var errs []error
	if p.srv != nil {
		errs = append(errs, p.srv.StopAccepting())
	}
	if p.mgr != nil {
		errs = append(errs, p.mgr.Close(ctx))
	}
	if p.sys != nil {
		errs = append(errs, p.sys.close())
	}
	if p.srv != nil {
		errs = append(errs, p.srv.Shutdown(ctx))
		if err := <-p.serveErr; !errors.Is(err, http.ErrServerClosed) {
			errs = append(errs, fmt.Errorf("serve: %w", err))
		}
	}
	return errors.Join(errs...)
}
