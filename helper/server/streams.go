package server

import (
	"encoding/json"
	"net/http"
	"slices"
	"time"

	"github.com/espressovpn/espresso/helper/api"
	"github.com/espressovpn/espresso/helper/conn"
	"github.com/espressovpn/espresso/helper/profile"
)

// ndjson writes newline-delimited JSON values, flushing after each so the
// client sees them at once.
type ndjson struct {
	w   http.ResponseWriter
	enc *json.Encoder
	rc  *http.ResponseController
}

func newNDJSON(w http.ResponseWriter) *ndjson {
	w.Header().Set("Content-Type", api.ContentTypeNDJSON)
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusOK)
	return &ndjson{w: w, enc: json.NewEncoder(w), rc: http.NewResponseController(w)}
}

// streamWriteTimeout bounds how long one line may wait for a client that
// does not read, so a stuck client cannot hold a stream (and shutdown)
// forever.
const streamWriteTimeout = 10 * time.Second

func (n *ndjson) send(v any) error {
	if err := n.rc.SetWriteDeadline(time.Now().Add(streamWriteTimeout)); err != nil {
		return err
	}
	if err := n.enc.Encode(v); err != nil {
		return err
	}
	return n.rc.Flush()
}

// watch streams the full state, then every change, until the client goes
// away, falls too far behind (the stream ends; the client watches again)
// or the helper stops. Password prompts go only to those who may answer
// them (the profile's owner and root): another user's client must not
// ask its user for someone else's password.
//
// Once the helper is stopping, a watch is refused (CodeStopping): the
// stream would end right after its snapshot, and a client that reopens a
// stream which brought its snapshot would reopen in a loop until the
// helper is gone.
func (s *Server) watch(w http.ResponseWriter, r *http.Request) {
	snap, watcher, ok := s.startWatch()
	if !ok {
		writeError(w, api.Errorf(api.CodeStopping, "the Espresso helper is stopping"))
		return
	}
	defer watcher.Close()
	uid := peerFrom(r).UID
	out := newNDJSON(w)
	snap.Prompts = slices.DeleteFunc(snap.Prompts, func(p api.Prompt) bool { return !s.mayView(p.Profile, uid) })
	if out.send(snap) != nil {
		return
	}
	for {
		select {
		case ev, ok := <-watcher.C:
			if ok && ev.Prompt != nil && !s.mayView(ev.Prompt.Profile, uid) {
				continue
			}
			if !ok || out.send(ev) != nil {
				return
			}
		case <-r.Context().Done():
			return
		}
	}
}

// startWatch registers a watcher with the manager, unless the helper is
// stopping.
func (s *Server) startWatch() (api.Event, *conn.Watcher, bool) {
	s.stopMu.RLock()
	defer s.stopMu.RUnlock()
	if s.stopping {
		return api.Event{}, nil, false
	}
	snap, watcher := s.cfg.Manager.Watch()
	return snap, watcher, true
}

// mayView reports whether uid may see the details of the stored profile
// name.
func (s *Server) mayView(name string, uid uint32) bool {
	if uid == profile.Root {
		return true
	}
	p, err := s.cfg.Store.Get(name)
	return err == nil && profile.CanView(&p, uid)
}

// logs streams the buffered log entries and, with follow, every new one
// until the client goes away or the helper stops.
func (s *Server) logs(w http.ResponseWriter, r *http.Request) {
	follow := r.URL.Query().Get(api.QueryFollow) == "true"
	out := newNDJSON(w)
	var last uint64
	for {
		entries, more := s.cfg.Log.Since(last)
		for _, e := range entries {
			if out.send(e) != nil {
				return
			}
			last = e.Seq
		}
		if !follow {
			return
		}
		select {
		case <-more:
		case <-r.Context().Done():
			return
		}
	}
}
