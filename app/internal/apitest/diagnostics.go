package apitest

import (
	"encoding/json"
	"io"
	"net/http"
	"sort"

	"github.com/espressovpn/espresso/helper/api"
)

// RefuseLogLevel makes PUT /v1/loglevel answer as the helper does to a
// caller who is not root.
func (s *Server) RefuseLogLevel(refuse bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.refuseLevel = refuse
}

// LogLevel returns the fake's log level (info until set).
func (s *Server) LogLevel() api.Level {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.levelLocked()
}

func (s *Server) levelLocked() api.Level {
	if s.level == "" {
		return api.LevelInfo
	}
	return s.level
}

func (s *Server) getLogLevel(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, api.LogLevel{Level: s.LogLevel()})
}

func (s *Server) putLogLevel(w http.ResponseWriter, r *http.Request) {
	var req api.LogLevel
	data, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBody))
	if err == nil {
		err = json.Unmarshal(data, &req)
	}
	if err != nil {
		writeError(w, api.Errorf(api.CodeBadRequest, "log level: %v", err))
		return
	}
	l, err := api.ParseLevel(string(req.Level))
	if err != nil {
		writeError(w, err)
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.refuseLevel {
		writeError(w, api.Errorf(api.CodeForbidden, "only root may change the helper's log level"))
		return
	}
	s.level = l
	writeJSON(w, api.LogLevel{Level: l})
}

// diagnostics answers as the helper does, with the profiles without
// secrets and no system state.
func (s *Server) diagnostics(w http.ResponseWriter, _ *http.Request) {
	s.mu.Lock()
	d := api.Diagnostics{
		Version:  api.VersionInfo{API: api.Version, Helper: "test", OS: "linux", Arch: "amd64", PromptProtocol: api.PromptProtocol},
		LogLevel: s.levelLocked(),
		Profiles: []api.Profile{},
		Status:   s.sortedStatus(),
		Log:      append([]api.LogEntry(nil), s.logs...),
		System:   []api.SystemState{{Name: "routes", Command: "ip route", Output: "default via 192.0.2.1\n"}},
	}
	for _, p := range s.profiles {
		d.Profiles = append(d.Profiles, p.Redacted())
	}
	s.mu.Unlock()
	sort.Slice(d.Profiles, func(i, j int) bool { return d.Profiles[i].Name < d.Profiles[j].Name })
	writeJSON(w, d)
}
