package server

import (
	"errors"
	"net/http"

	"github.com/espressovpn/espresso/helper/api"
	"github.com/espressovpn/espresso/helper/conn"
	"github.com/espressovpn/espresso/helper/profile"
)

// alwaysOn returns the default always-on profile; every member may see
// which it is, as every member sees the profiles' names.
func (s *Server) alwaysOn(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, api.AlwaysOn{Profile: s.cfg.Manager.DefaultAlwaysOn()})
}

// setAlwaysOn marks the default always-on profile or clears the mark.
// The caller must be allowed to mark the profile named and to change the
// profile marked now (profile.CanMarkAlwaysOn): otherwise a member could
// keep another's connection up, or take it down, on the whole machine.
func (s *Server) setAlwaysOn(w http.ResponseWriter, r *http.Request) {
	var req api.AlwaysOn
	if !readJSON(w, r, &req, "the always-on request") {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, name := range []string{s.cfg.Manager.DefaultAlwaysOn(), req.Profile} {
		if name == "" {
			continue
		}
		if _, err := s.profileFor(r, name, profile.CanMarkAlwaysOn); err != nil {
			writeError(w, err)
			return
		}
	}
	if err := s.cfg.Manager.SetDefaultAlwaysOn(req.Profile); err != nil {
		if errors.Is(err, conn.ErrUnknownProfile) {
			err = api.Errorf(api.CodeNotFound, "no profile named %q", req.Profile)
		}
		writeError(w, err)
		return
	}
	s.cfg.Log.Logf(api.LevelInfo, req.Profile, "default always-on profile set (uid %d)", peerFrom(r).UID)
	writeJSON(w, http.StatusOK, api.AlwaysOn{Profile: s.cfg.Manager.DefaultAlwaysOn()})
}
