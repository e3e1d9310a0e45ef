package server

import (
	"errors"
	"net/http"

	"github.com/espressovpn/espresso/helper/api"
	"github.com/espressovpn/espresso/helper/conn"
	"github.com/espressovpn/espresso/helper/profile"
)

// answerPrompt takes a client's answer to a prompt of the watch stream
// (api.PromptProtocol) and, when the user asked to remember the
// password, first stores it in the profile like a password sent with it.
// A password that cannot be stored is not used either, so the client
// learns it was not remembered and may answer again without remember.
func (s *Server) answerPrompt(w http.ResponseWriter, r *http.Request) {
	var a api.PromptAnswer
	if !readJSON(w, r, &a, "the answer") {
		return
	}
	uid := peerFrom(r).UID
	id := r.PathValue("id")
	if err := s.mayAnswer(r, id); err != nil {
		writeError(w, err)
		return
	}
	if a.Remember && !a.Cancel && a.Password != "" {
		// Stored before the connection goes on with it, so that a
		// client that sees the connection up finds it stored.
		if err := s.rememberPassword(id, a.Password); err != nil {
			writeError(w, err)
			return
		}
	}
	pr, err := s.cfg.Manager.Answer(id, a)
	switch {
	case errors.Is(err, conn.ErrUnknownPrompt):
		writeError(w, api.Errorf(api.CodeNotFound, "%v", err))
		return
	case errors.Is(err, conn.ErrEmptyPassword):
		writeError(w, &api.Error{Code: api.CodeBadRequest, Field: api.FieldPassword, Message: err.Error()})
		return
	case err != nil:
		writeError(w, err)
		return
	}
	if a.Cancel {
		s.cfg.Log.Logf(api.LevelInfo, pr.Profile, "password request cancelled (uid %d)", uid)
	} else {
		s.cfg.Log.Logf(api.LevelInfo, pr.Profile, "password given (uid %d)", uid)
	}
	w.WriteHeader(http.StatusNoContent)
}

// mayAnswer returns nil when the caller may answer prompt id: its
// profile's owner or root. Whoever else watches sees the prompt but
// cannot answer it, or an answer could steer another user's connection.
func (s *Server) mayAnswer(r *http.Request, id string) error {
	for _, p := range s.cfg.Manager.Prompts() {
		if p.ID == id {
			_, err := s.profileFor(r, p.Profile, profile.CanView)
			return err
		}
	}
	return api.Errorf(api.CodeNotFound, "%v", conn.ErrUnknownPrompt)
}

// rememberPassword stores password in the profile prompt id asks for,
// keeping its other secrets. A prompt no longer waiting stores nothing.
func (s *Server) rememberPassword(id, password string) error {
	var name string
	for _, p := range s.cfg.Manager.Prompts() {
		if p.ID == id {
			name = p.Profile
		}
	}
	if name == "" {
		return api.Errorf(api.CodeNotFound, "%v", conn.ErrUnknownPrompt)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	p, err := s.cfg.Store.Get(name)
	if err == nil {
		p.Password = password
		_, err = s.cfg.Store.Put(p, true)
	}
	if err != nil {
		s.cfg.Log.Logf(api.LevelError, name, "storing the password: %v", err)
		return api.Errorf(api.CodeInternal, "storing the password failed: %v", storeError(err, name))
	}
	s.cfg.Log.Logf(api.LevelInfo, name, "password stored")
	return nil
}
