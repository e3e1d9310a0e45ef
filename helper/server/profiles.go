package server

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/espressovpn/espresso/helper/api"
	"github.com/espressovpn/espresso/helper/conn"
	"github.com/espressovpn/espresso/helper/profile"
	"github.com/espressovpn/espresso/helper/sswan"
)

// listProfiles returns every profile: the caller's own (and all, for
// root) without their secrets, the others' as their name and owner only.
func (s *Server) listProfiles(w http.ResponseWriter, r *http.Request) {
	ps, err := s.cfg.Store.List()
	if err != nil {
		writeError(w, err)
		return
	}
	uid := peerFrom(r).UID
	out := make([]api.Profile, 0, len(ps))
	for _, p := range ps {
		if profile.CanView(&p, uid) {
			out = append(out, p.Redacted())
		} else {
			out = append(out, p.Summary())
		}
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) getProfile(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("name")
	p, err := s.cfg.Store.Get(name)
	if err == nil && !profile.CanView(&p, peerFrom(r).UID) {
		err = profile.ErrNotOwner
	}
	if err != nil {
		writeError(w, storeError(err, name))
		return
	}
	writeJSON(w, http.StatusOK, p.Redacted())
}

// profileFor returns the stored profile called name if the caller may
// do what allowed checks with it, or the API error to answer.
func (s *Server) profileFor(r *http.Request, name string, allowed func(*api.Profile, uint32) bool) (api.Profile, error) {
	p, err := s.cfg.Store.Get(name)
	if err == nil && !allowed(&p, peerFrom(r).UID) {
		err = profile.ErrNotOwner
	}
	if err != nil {
		return api.Profile{}, storeError(err, name)
	}
	return p, nil
}

// createProfile stores a profile sent as Espresso JSON or as a .sswan file.
func (s *Server) createProfile(w http.ResponseWriter, r *http.Request) {
	data, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBody))
	if err != nil {
		writeError(w, api.Errorf(api.CodeBadRequest, "reading the profile: %v", err))
		return
	}
	var p api.Profile
	switch f := r.URL.Query().Get(api.QueryFormat); f {
	case "", api.FormatEspresso:
		p, err = decodeProfile(data)
	case api.FormatSswan:
		p, err = sswan.Convert(data)
	default:
		err = api.Errorf(api.CodeBadRequest, "unknown profile format %q (espresso or sswan)", f)
	}
	if err != nil {
		writeError(w, err)
		return
	}
	s.store(w, r, p, r.URL.Query().Get(api.QueryReplace) == "true", http.StatusCreated)
}

// putProfile replaces (or creates) the profile named in the path.
func (s *Server) putProfile(w http.ResponseWriter, r *http.Request) {
	data, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBody))
	if err != nil {
		writeError(w, api.Errorf(api.CodeBadRequest, "reading the profile: %v", err))
		return
	}
	p, err := decodeProfile(data)
	if err != nil {
		writeError(w, err)
		return
	}
	name := r.PathValue("name")
	if p.Name == "" {
		p.Name = name
	}
	if p.Name != name {
		writeError(w, api.FieldError(api.FieldName, "%q differs from the name in the path, %q; renaming is remove and create", p.Name, name))
		return
	}
	s.store(w, r, p, true, http.StatusOK)
}

func (s *Server) store(w http.ResponseWriter, r *http.Request, p api.Profile, replace bool, status int) {
	s.mu.Lock()
	stored, err := s.cfg.Store.PutAs(p, replace, peerFrom(r).UID)
	if err == nil {
		s.cfg.Manager.SetProfile(stored.Name, stored.Gateway)
	}
	s.mu.Unlock()
	if err != nil {
		writeError(w, storeError(err, p.Name))
		return
	}
	s.cfg.Log.Logf(api.LevelInfo, stored.Name, "profile stored (uid %d)", peerFrom(r).UID)
	// A profile stored always-on comes up now, or no longer counts as
	// always-on.
	s.cfg.Manager.Reconsider()
	writeJSON(w, status, stored.Redacted())
}

func (s *Server) deleteProfile(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("name")
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, err := s.profileFor(r, name, profile.CanView); err != nil {
		writeError(w, err)
		return
	}
	if s.cfg.Manager.Active(name) {
		writeError(w, api.Errorf(api.CodeBusy, "profile %q is connected; disconnect it first", name))
		return
	}
	if err := s.cfg.Store.Delete(name); err != nil {
		writeError(w, storeError(err, name))
		return
	}
	if err := s.cfg.Manager.RemoveProfile(name); err != nil && !errors.Is(err, conn.ErrUnknownProfile) {
		writeError(w, err)
		return
	}
	s.cfg.Log.Logf(api.LevelInfo, name, "profile removed (uid %d)", peerFrom(r).UID)
	w.WriteHeader(http.StatusNoContent)
}

// decodeProfile parses an Espresso profile, refusing unknown keys so a
// misspelt setting is reported instead of silently ignored.
func decodeProfile(data []byte) (api.Profile, error) {
	var p api.Profile
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&p); err != nil {
		if key, ok := strings.CutPrefix(err.Error(), "json: unknown field "); ok {
			key = strings.Trim(key, `"`)
			return p, api.FieldError(key, "unknown profile key")
		}
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) && te.Field != "" {
			return p, api.FieldError(te.Field, "expected a %s", te.Type)
		}
		return p, api.Errorf(api.CodeBadRequest, "the profile is not valid JSON: %v", err)
	}
	return p, nil
}

// storeError maps the store's errors to API errors.
func storeError(err error, name string) error {
	switch {
	case errors.Is(err, profile.ErrNotFound):
		return api.Errorf(api.CodeNotFound, "no profile named %q", name)
	case errors.Is(err, profile.ErrNotOwner):
		return api.Errorf(api.CodeNotOwner, "profile %q belongs to another user; only its owner and root may use it", name)
	case errors.Is(err, profile.ErrExists):
		return api.Errorf(api.CodeExists, "a profile named %q exists; replace it or choose another name", name)
	}
	var e *api.Error
	if errors.As(err, &e) {
		return e
	}
	return fmt.Errorf("profile store: %w", err)
}
