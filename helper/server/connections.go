package server

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"

	"github.com/espressovpn/espresso/helper/api"
	"github.com/espressovpn/espresso/helper/conn"
	"github.com/espressovpn/espresso/helper/profile"
)

// connect starts a connection; with ?wait=true it answers once the
// connection is up or has failed.
func (s *Server) connect(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("name")
	var req api.ConnectRequest
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBody))
	if err == nil && len(body) > 0 {
		err = json.Unmarshal(body, &req)
	}
	if err != nil {
		writeError(w, api.Errorf(api.CodeBadRequest, "the connect request is not valid JSON"))
		return
	}
	s.mu.Lock()
	p, err := s.profileFor(r, name, profile.CanUse)
	if err != nil {
		s.mu.Unlock()
		writeError(w, err)
		return
	}
	if req.Replace {
		// The connections in the way end before this one starts; the
		// lock is not held while they do.
		s.mu.Unlock()
		if !s.replace(w, r, p) {
			return
		}
		s.mu.Lock()
		if p, err = s.profileFor(r, name, profile.CanUse); err != nil {
			s.mu.Unlock()
			writeError(w, err)
			return
		}
	}
	// A profile without the password it needs has the user asked for it
	// on the watch stream (api.PromptProtocol).
	s.cfg.Manager.SetProfile(p.Name, p.Gateway)
	err = s.cfg.Manager.ConnectWithPassword(p, req.Password)
	s.mu.Unlock()
	if err != nil {
		writeError(w, api.Errorf(api.CodeUnavailable, "%v", err))
		return
	}
	s.cfg.Log.Logf(api.LevelInfo, name, "connect requested (uid %d)", peerFrom(r).UID)
	if r.URL.Query().Get(api.QueryWait) != "true" {
		st, _ := s.cfg.Manager.StatusOf(name)
		writeJSON(w, http.StatusAccepted, st)
		return
	}
	st, err := s.cfg.Manager.Wait(r.Context(), name)
	if err != nil {
		writeError(w, waitError(err))
		return
	}
	writeJSON(w, http.StatusOK, st)
}

// replace disconnects the active connections in p's way, each of which
// the caller must be allowed to disconnect; it answers the request and
// returns false when one stays.
func (s *Server) replace(w http.ResponseWriter, r *http.Request, p api.Profile) bool {
	uid := peerFrom(r).UID
	names := s.cfg.Manager.InTheWay(p)
	for _, n := range names {
		if o, err := s.cfg.Store.Get(n); err == nil && !profile.CanUse(&o, uid) {
			writeError(w, api.Errorf(api.CodeNotOwner, "%s routes networks %s asks for and belongs to another user; only its owner and root may disconnect it", n, p.Name))
			return false
		}
	}
	ctx, cancel := context.WithTimeout(r.Context(), disconnectTimeout)
	defer cancel()
	for _, n := range names {
		s.cfg.Log.Logf(api.LevelInfo, n, "disconnecting: %s takes over its networks (uid %d)", p.Name, uid)
		if err := s.cfg.Manager.Disconnect(ctx, n); err != nil && !errors.Is(err, conn.ErrUnknownProfile) {
			writeError(w, api.Errorf(api.CodeInternal, "disconnecting %s: %v", n, err))
			return false
		}
	}
	return true
}

// waitError turns the outcome of a failed wait into the API error a
// client shows.
func waitError(err error) error {
	var fe *conn.FailedError
	switch {
	case errors.As(err, &fe) && fe.Code == api.FailureUnavailable:
		// This helper cannot negotiate at all (session.ErrUnavailable).
		return api.Errorf(api.CodeUnavailable, "%v", err)
	case errors.As(err, &fe):
		return &api.Error{Code: api.CodeConnectFailed, Message: err.Error(), ErrorCode: fe.Code}
	case errors.Is(err, conn.ErrDisconnected):
		return api.Errorf(api.CodeConnectFailed, "%v", err)
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return api.Errorf(api.CodeConnectFailed, "stopped waiting: %v", err)
	}
	return err
}

func (s *Server) disconnect(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("name")
	// A profile no longer stored is refused by the manager as unknown.
	if p, err := s.cfg.Store.Get(name); err == nil && !profile.CanUse(&p, peerFrom(r).UID) {
		writeError(w, storeError(profile.ErrNotOwner, name))
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), disconnectTimeout)
	defer cancel()
	err := s.cfg.Manager.Disconnect(ctx, name)
	if errors.Is(err, conn.ErrUnknownProfile) {
		writeError(w, api.Errorf(api.CodeNotFound, "no profile named %q", name))
		return
	}
	if err != nil {
		writeError(w, api.Errorf(api.CodeInternal, "disconnecting %s: %v", name, err))
		return
	}
	s.cfg.Log.Logf(api.LevelInfo, name, "disconnect requested (uid %d)", peerFrom(r).UID)
	st, _ := s.cfg.Manager.StatusOf(name)
	writeJSON(w, http.StatusOK, st)
}

func (s *Server) status(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, s.cfg.Manager.Status())
}

func (s *Server) statusOne(w http.ResponseWriter, r *http.Request) {
	st, err := s.cfg.Manager.StatusOf(r.PathValue("name"))
	if err != nil {
		writeError(w, api.Errorf(api.CodeNotFound, "no profile named %q", r.PathValue("name")))
		return
	}
	writeJSON(w, http.StatusOK, st)
}
