package server

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"runtime"
	"time"

	"github.com/espressovpn/espresso/helper/api"
	"github.com/espressovpn/espresso/helper/profile"
)

// systemStateTimeout bounds how long the system's state is gathered for
// one diagnostics request.
const systemStateTimeout = 30 * time.Second

func (s *Server) logLevel(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, api.LogLevel{Level: s.cfg.Log.Level()})
}

// setLogLevel changes what the helper records. Only root may: the log is
// served to every member of the group, and at debug it tells more about
// every user's connections than any one of them should decide to record.
func (s *Server) setLogLevel(w http.ResponseWriter, r *http.Request) {
	p := peerFrom(r)
	if p.UID != profile.Root {
		writeError(w, api.Errorf(api.CodeForbidden, "only root may change the helper's log level"))
		return
	}
	data, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBody))
	if err != nil {
		writeError(w, api.Errorf(api.CodeBadRequest, "reading the request: %v", err))
		return
	}
	var req api.LogLevel
	if err := json.Unmarshal(data, &req); err != nil {
		writeError(w, api.Errorf(api.CodeBadRequest, "log level: %v", err))
		return
	}
	l, err := api.ParseLevel(string(req.Level))
	if err != nil {
		writeError(w, err)
		return
	}
	old := s.cfg.Log.Level()
	_ = s.cfg.Log.SetLevel(l)
	// Logged at warn so that it is recorded whatever the new level.
	s.cfg.Log.Logf(api.LevelWarn, "", "log level changed from %s to %s by uid %d", old, l, p.UID)
	writeJSON(w, http.StatusOK, api.LogLevel{Level: l})
}

// diagnostics answers the helper's part of a diagnostic bundle: the
// system as the connections see it, read with root's rights (the
// firewall's rules need them), and in one answer what a client would
// otherwise gather in several requests. A caller gets the profiles and
// statuses it may view, as GET /v1/profiles/{name} would give them, the
// log as every member reads it, and of the system what the caller could
// read there itself (the firewall's rules for root alone).
func (s *Server) diagnostics(w http.ResponseWriter, r *http.Request) {
	uid := peerFrom(r).UID
	ps, err := s.cfg.Store.List()
	if err != nil {
		writeError(w, err)
		return
	}
	d := api.Diagnostics{
		Version: api.VersionInfo{
			API: api.Version, Helper: s.cfg.Version, OS: runtime.GOOS, Arch: runtime.GOARCH,
			PromptProtocol: api.PromptProtocol,
		},
		LogLevel: s.cfg.Log.Level(),
		Profiles: []api.Profile{},
		Status:   []api.ConnectionStatus{},
	}
	for _, p := range ps {
		if profile.CanView(&p, uid) {
			d.Profiles = append(d.Profiles, p.Redacted())
		}
	}
	for _, st := range s.cfg.Manager.Status() {
		if s.mayView(st.Name, uid) {
			d.Status = append(d.Status, st)
		}
	}
	d.Log, _ = s.cfg.Log.Since(0)
	if s.cfg.SystemState != nil {
		ctx, cancel := context.WithTimeout(r.Context(), systemStateTimeout)
		d.System = s.cfg.SystemState(ctx, uid == profile.Root)
		cancel()
	}
	writeJSON(w, http.StatusOK, d)
}
