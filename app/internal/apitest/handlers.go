package apitest

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"runtime"
	"sort"

	"github.com/espressovpn/espresso/helper/api"
	"github.com/espressovpn/espresso/helper/profile"
)

// maxBody bounds a request body, as the helper does.
const maxBody = 1 << 20

func (s *Server) routes() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET "+api.PathVersion, s.version)
	mux.HandleFunc("GET "+api.PathProfiles, s.listProfiles)
	mux.HandleFunc("POST "+api.PathProfiles, s.importProfile)
	mux.HandleFunc("GET "+api.PathProfile, s.getProfile)
	mux.HandleFunc("PUT "+api.PathProfile, s.putProfile)
	mux.HandleFunc("DELETE "+api.PathProfile, s.deleteProfile)
	mux.HandleFunc("POST "+api.PathConnect, s.connect)
	mux.HandleFunc("POST "+api.PathDisconnect, s.disconnect)
	mux.HandleFunc("GET "+api.PathStatus, s.statusAll)
	mux.HandleFunc("GET "+api.PathStatusOne, s.statusOne)
	mux.HandleFunc("GET "+api.PathWatch, s.watch)
	mux.HandleFunc("GET "+api.PathLogs, s.streamLogs)
	mux.HandleFunc("GET "+api.PathLogLevel, s.getLogLevel)
	mux.HandleFunc("PUT "+api.PathLogLevel, s.putLogLevel)
	mux.HandleFunc("GET "+api.PathDiagnostics, s.diagnostics)
	return mux
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", api.ContentTypeJSON)
	_ = json.NewEncoder(w).Encode(v)
}

func writeError(w http.ResponseWriter, err error) {
	var e *api.Error
	if !errors.As(err, &e) {
		e = api.Errorf(api.CodeInternal, "%v", err)
	}
	w.Header().Set("Content-Type", api.ContentTypeJSON)
	w.WriteHeader(e.Code.HTTPStatus())
	_ = json.NewEncoder(w).Encode(api.ErrorBody{Error: e})
}

func (s *Server) version(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, api.VersionInfo{API: api.Version, Helper: "fake", OS: runtime.GOOS, Arch: runtime.GOARCH})
}

func (s *Server) listProfiles(w http.ResponseWriter, _ *http.Request) {
	s.mu.Lock()
	out := make([]api.Profile, 0, len(s.profiles))
	for _, p := range s.profiles {
		out = append(out, p.Redacted())
	}
	s.mu.Unlock()
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	writeJSON(w, out)
}

func (s *Server) getProfile(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	p, ok := s.profiles[r.PathValue("name")]
	s.mu.Unlock()
	if !ok {
		writeError(w, api.Errorf(api.CodeNotFound, "no profile %q", r.PathValue("name")))
		return
	}
	writeJSON(w, p.Redacted())
}

func (s *Server) importProfile(w http.ResponseWriter, r *http.Request) {
	data, err := io.ReadAll(io.LimitReader(r.Body, maxBody))
	if err != nil {
		writeError(w, api.Errorf(api.CodeBadRequest, "reading the profile: %v", err))
		return
	}
	q := r.URL.Query()
	format := q.Get(api.QueryFormat)
	replace := q.Get(api.QueryReplace) == "true"
	s.mu.Lock()
	s.imports = append(s.imports, Import{Format: format, Replace: replace, Size: len(data)})
	s.mu.Unlock()

	var p api.Profile
	switch format {
	case "", api.FormatEspresso:
		if err := json.Unmarshal(data, &p); err != nil {
			writeError(w, api.Errorf(api.CodeBadRequest, "the file is not an Espresso profile: %v", err))
			return
		}
	case api.FormatSswan:
		if p, err = convertSswan(data); err != nil {
			writeError(w, err)
			return
		}
	default:
		writeError(w, api.Errorf(api.CodeBadRequest, "unknown format %q", format))
		return
	}
	if err := profile.Validate(&p); err != nil {
		writeError(w, err)
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if old, exists := s.profiles[p.Name]; exists {
		if !replace {
			writeError(w, api.Errorf(api.CodeExists, "a profile named %q exists", p.Name))
			return
		}
		p = profile.MergeSecrets(p, old)
	}
	s.storeProfile(p)
	writeJSON(w, p.Redacted())
}

func (s *Server) putProfile(w http.ResponseWriter, r *http.Request) {
	var p api.Profile
	if err := json.NewDecoder(io.LimitReader(r.Body, maxBody)).Decode(&p); err != nil {
		writeError(w, api.Errorf(api.CodeBadRequest, "bad profile: %v", err))
		return
	}
	if p.Name != r.PathValue("name") {
		writeError(w, api.FieldError(api.FieldName, "does not match the path"))
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	old, ok := s.profiles[p.Name]
	if !ok {
		writeError(w, api.Errorf(api.CodeNotFound, "no profile %q", p.Name))
		return
	}
	merged := profile.MergeSecrets(p, old)
	if err := profile.Validate(&merged); err != nil {
		writeError(w, err)
		return
	}
	s.storeProfile(merged)
	writeJSON(w, merged.Redacted())
}

func (s *Server) deleteProfile(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("name")
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.profiles[name]; !ok {
		writeError(w, api.Errorf(api.CodeNotFound, "no profile %q", name))
		return
	}
	if st := s.status[name].State; st != api.StateDisconnected && st != api.StateFailed {
		writeError(w, api.Errorf(api.CodeBusy, "%q is %s; disconnect it first", name, st))
		return
	}
	delete(s.profiles, name)
	delete(s.status, name)
	delete(s.outcomes, name)
	s.publish(api.Event{Kind: api.EventRemoved, Name: name})
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) connect(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("name")
	var req api.ConnectRequest
	if r.ContentLength != 0 {
		if err := json.NewDecoder(io.LimitReader(r.Body, maxBody)).Decode(&req); err != nil && !errors.Is(err, io.EOF) {
			writeError(w, api.Errorf(api.CodeBadRequest, "bad connect request: %v", err))
			return
		}
	}
	s.mu.Lock()
	p, ok := s.profiles[name]
	if !ok {
		s.mu.Unlock()
		writeError(w, api.Errorf(api.CodeNotFound, "no profile %q", name))
		return
	}
	if p.Auth == api.AuthEAPMSCHAPv2 && p.Password == "" && req.Password == "" {
		s.mu.Unlock()
		writeError(w, api.Errorf(api.CodeBadRequest, "profile %q stores no password; send one", name))
		return
	}
	if st := s.status[name].State; st == api.StateDisconnected || st == api.StateFailed {
		s.start(name)
	}
	st := cloneStatus(s.status[name])
	s.mu.Unlock()
	if r.URL.Query().Get(api.QueryWait) == "true" && st.State == api.StateFailed {
		writeError(w, &api.Error{Code: api.CodeConnectFailed, Message: st.LastError, ErrorCode: st.ErrorCode})
		return
	}
	writeJSON(w, st)
}

func (s *Server) disconnect(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("name")
	s.mu.Lock()
	defer s.mu.Unlock()
	p, ok := s.profiles[name]
	if !ok {
		writeError(w, api.Errorf(api.CodeNotFound, "no profile %q", name))
		return
	}
	delete(s.pending, name)
	st := api.ConnectionStatus{Name: name, State: api.StateDisconnected, Gateway: p.Gateway}
	if s.status[name].State != api.StateDisconnected {
		s.setStatus(st)
		s.logLocked(api.LevelInfo, name, "IKE_SA deleted")
	}
	writeJSON(w, cloneStatus(st))
}

func (s *Server) statusAll(w http.ResponseWriter, _ *http.Request) {
	s.mu.Lock()
	out := s.sortedStatus()
	s.mu.Unlock()
	writeJSON(w, out)
}

func (s *Server) statusOne(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	st, ok := s.status[r.PathValue("name")]
	s.mu.Unlock()
	if !ok {
		writeError(w, api.Errorf(api.CodeNotFound, "no profile %q", r.PathValue("name")))
		return
	}
	writeJSON(w, cloneStatus(st))
}

// watch sends the snapshot, then every event until the client leaves or
// the fake stops.
func (s *Server) watch(w http.ResponseWriter, r *http.Request) {
	ch := make(chan api.Event, subscriberBuffer)
	s.mu.Lock()
	snap := api.Event{Kind: api.EventSnapshot, Connections: s.sortedStatus()}
	s.watchers[ch] = struct{}{}
	s.mu.Unlock()
	defer s.unwatch(ch)

	w.Header().Set("Content-Type", api.ContentTypeNDJSON)
	enc := json.NewEncoder(w)
	fl, _ := w.(http.Flusher)
	send := func(ev api.Event) bool {
		if enc.Encode(ev) != nil {
			return false
		}
		if fl != nil {
			fl.Flush()
		}
		return true
	}
	if !send(snap) {
		return
	}
	for {
		select {
		case ev, ok := <-ch:
			if !ok || !send(ev) {
				return
			}
		case <-r.Context().Done():
			return
		}
	}
}

func (s *Server) unwatch(ch chan api.Event) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.watchers[ch]; ok {
		delete(s.watchers, ch)
		close(ch)
	}
}

// streamLogs sends the buffered entries, then with follow every new one.
func (s *Server) streamLogs(w http.ResponseWriter, r *http.Request) {
	follow := r.URL.Query().Get(api.QueryFollow) == "true"
	ch := make(chan api.LogEntry, subscriberBuffer)
	s.mu.Lock()
	past := append([]api.LogEntry(nil), s.logs...)
	if follow {
		s.logSubs[ch] = struct{}{}
	}
	s.mu.Unlock()
	if follow {
		defer s.unfollow(ch)
	}
	w.Header().Set("Content-Type", api.ContentTypeNDJSON)
	enc := json.NewEncoder(w)
	fl, _ := w.(http.Flusher)
	for _, e := range past {
		if enc.Encode(e) != nil {
			return
		}
	}
	if fl != nil {
		fl.Flush()
	}
	if !follow {
		return
	}
	for {
		select {
		case e, ok := <-ch:
			if !ok || enc.Encode(e) != nil {
				return
			}
			if fl != nil {
				fl.Flush()
			}
		case <-r.Context().Done():
			return
		}
	}
}

func (s *Server) unfollow(ch chan api.LogEntry) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.logSubs[ch]; ok {
		delete(s.logSubs, ch)
		close(ch)
	}
}
