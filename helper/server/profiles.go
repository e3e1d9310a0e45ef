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

func (s *Server) listProfiles(w http.ResponseWriter, _ *http.Request) {
	ps, err := s.cfg.Store.List()
	if err != nil {
		writeError(w, err)
		return
	}
	out := make([]api.Profile, 0, len(ps))
	for _, p := range ps {
		out = append(out, p.Redacted())
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) getProfile(w http.ResponseWriter, r *http.Request) {
	p, err := s.cfg.Store.Get(r.PathValue("name"))
	if err != nil {
		writeError(w, storeError(err, r.PathValue("name")))
		return
	}
	writeJSON(w, http.StatusOK, p.Redacted())
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
	if err := checkPaths(peerFrom(r), &p); err != nil {
		writeError(w, err)
		return
	}
	s.mu.Lock()
	if err := s.checkFWMark(peerFrom(r), &p); err != nil {
		s.mu.Unlock()
		writeError(w, err)
		return
	}
	stored, err := s.cfg.Store.Put(p, replace)
	if err == nil {
		s.cfg.Manager.SetProfile(stored.Name, stored.Gateway)
	}
	s.mu.Unlock()
	if err != nil {
		writeError(w, storeError(err, p.Name))
		return
	}
	s.cfg.Log.Logf(api.LevelInfo, stored.Name, "profile stored (uid %d)", peerFrom(r).UID)
	writeJSON(w, status, stored.Redacted())
}

func (s *Server) deleteProfile(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("name")
	s.mu.Lock()
	defer s.mu.Unlock()
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

// checkPaths refuses file paths in place of certificates and keys from a
// peer other than root: the helper reads them as root, and a group member
// must not be able to use a key they cannot read themselves.
func checkPaths(peer Peer, p *api.Profile) error {
	if peer.UID == 0 {
		return nil
	}
	for _, f := range []struct{ name, v string }{{api.FieldCert, p.Cert}, {api.FieldKey, p.Key}, {api.FieldCA, p.CA}, {api.FieldP12, p.P12}} {
		if profile.IsPath(f.v) {
			return api.FieldError(f.name, "a file path is accepted from root only; send the file's content instead")
		}
	}
	return nil
}

// checkFWMark refuses a firewall mark that a peer other than root sets or
// changes. The profile's mark passes the kill switch (the profile's own
// IKE and ESP sockets carry it) and skips the tunnel's routing rule, and
// anything on the machine may carry the same mark: a mark chosen by a
// group member would open a hole in every block and in the routing of
// everyone's traffic. Only root may choose one, as for file paths; a
// member's edit that keeps the stored mark unchanged is accepted, so that
// a profile root set up stays editable. The caller holds s.mu, so the
// stored profile cannot change before the new one replaces it.
func (s *Server) checkFWMark(peer Peer, p *api.Profile) error {
	if peer.UID == 0 || p.FWMark == "" {
		return nil
	}
	mark, err := profile.ParseFWMark(p.FWMark)
	if err != nil {
		return api.FieldError(api.FieldFWMark, "%v", err)
	}
	if old, err := s.cfg.Store.Get(p.Name); err == nil && old.FWMark != "" {
		if m, err := profile.ParseFWMark(old.FWMark); err == nil && m == mark {
			return nil
		}
	}
	return api.FieldError(api.FieldFWMark, "a firewall mark is accepted from root only")
}

// storeError maps the store's errors to API errors.
func storeError(err error, name string) error {
	switch {
	case errors.Is(err, profile.ErrNotFound):
		return api.Errorf(api.CodeNotFound, "no profile named %q", name)
	case errors.Is(err, profile.ErrExists):
		return api.Errorf(api.CodeExists, "a profile named %q exists; replace it or choose another name", name)
	}
	var e *api.Error
	if errors.As(err, &e) {
		return e
	}
	return fmt.Errorf("profile store: %w", err)
}
