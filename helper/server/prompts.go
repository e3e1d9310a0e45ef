package server

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"

	"github.com/espressovpn/espresso/helper/api"
	"github.com/espressovpn/espresso/helper/conn"
)

// answerPrompt takes a client's answer to a prompt of the watch stream
// (api.PromptProtocol) and, when the user asked to remember the
// password, stores it in the profile like a password sent with it.
func (s *Server) answerPrompt(w http.ResponseWriter, r *http.Request) {
	var a api.PromptAnswer
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBody))
	if err == nil {
		err = json.Unmarshal(body, &a)
	}
	if err != nil {
		writeError(w, api.Errorf(api.CodeBadRequest, "the answer is not valid JSON"))
		return
	}
	uid := peerFrom(r).UID
	pr, err := s.cfg.Manager.Answer(r.PathValue("id"), a)
	switch {
	case errors.Is(err, conn.ErrUnknownPrompt):
		writeError(w, api.Errorf(api.CodeNotFound, "%v", err))
		return
	case errors.Is(err, conn.ErrEmptyPassword):
		writeError(w, &api.Error{Code: api.CodeBadRequest, Field: "password", Message: err.Error()})
		return
	case err != nil:
		writeError(w, err)
		return
	}
	if a.Cancel {
		s.cfg.Log.Logf(api.LevelInfo, pr.Profile, "password request cancelled (uid %d)", uid)
		w.WriteHeader(http.StatusNoContent)
		return
	}
	s.cfg.Log.Logf(api.LevelInfo, pr.Profile, "password given (uid %d)", uid)
	if a.Remember {
		if err := s.rememberPassword(pr.Profile, a.Password); err != nil {
			s.cfg.Log.Logf(api.LevelError, pr.Profile, "storing the password: %v", err)
			writeError(w, api.Errorf(api.CodeInternal, "the password is used for this connection, but storing it failed: %v", err))
			return
		}
		s.cfg.Log.Logf(api.LevelInfo, pr.Profile, "password stored (uid %d)", uid)
	}
	w.WriteHeader(http.StatusNoContent)
}

// rememberPassword stores password in profile name, keeping its other
// secrets.
func (s *Server) rememberPassword(name, password string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	p, err := s.cfg.Store.Get(name)
	if err != nil {
		return storeError(err, name)
	}
	p.Password = password
	_, err = s.cfg.Store.Put(p, true)
	return err
}
