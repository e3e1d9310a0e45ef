package server

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/espressovpn/espresso/helper/api"
)

const alice, bob, root uint32 = 1001, 1002, 0

// as sends a request to the server's routes as uid, past the group check
// (which access_test covers), and returns the status and the body.
func (h *harness) as(t *testing.T, uid uint32, method, path, name string, body any) (int, string) {
	t.Helper()
	var b []byte
	if body != nil {
		var err error
		if b, err = json.Marshal(body); err != nil {
			t.Fatal(err)
		}
	}
	path = strings.NewReplacer("{name}", name, "{id}", name).Replace(path)
	req := httptest.NewRequest(method, path, bytes.NewReader(b))
	req = req.WithContext(context.WithValue(req.Context(), peerKey{}, peerInfo{peer: Peer{UID: uid}}))
	rec := httptest.NewRecorder()
	h.srv.routes().ServeHTTP(rec, req)
	return rec.Code, rec.Body.String()
}

// A member reaches another member's profile in no way but its name and
// state in the list.
func TestProfilesBelongToTheirOwner(t *testing.T) {
	h := start(t, fakeDialer{}, Authorizer{}, "")
	p := pskProfile("bobs")
	if code, body := h.as(t, bob, "POST", api.PathProfiles, "", p); code != http.StatusCreated {
		t.Fatalf("bob creates: %d %s", code, body)
	}
	stored, _ := h.store.Get("bobs")
	if stored.Owner != bob {
		t.Fatalf("owner %d", stored.Owner)
	}
	edit := p.Redacted()
	edit.Gateway = "203.0.113.66"
	attacks := []struct {
		method, path string
		body         any
	}{
		{"GET", api.PathProfile, nil},
		{"PUT", api.PathProfile, edit},
		{"POST", api.PathProfiles + "?replace=true", edit},
		{"DELETE", api.PathProfile, nil},
		{"POST", api.PathConnect, nil},
		{"POST", api.PathDisconnect, nil},
	}
	for _, a := range attacks {
		code, body := h.as(t, alice, a.method, a.path, "bobs", a.body)
		if code != http.StatusForbidden || !strings.Contains(body, "belongs to another user") {
			t.Errorf("alice %s %s: %d %s", a.method, a.path, code, body)
		}
	}
	if after, _ := h.store.Get("bobs"); after.Gateway != stored.Gateway || after.PSK != stored.PSK {
		t.Error("alice changed bob's profile")
	}
	if st, _ := h.client.StatusOf(context.Background(), "bobs"); st.State != api.StateDisconnected {
		t.Errorf("bob's profile is %s", st.State)
	}
	code, body := h.as(t, alice, "GET", api.PathProfiles, "", nil)
	var list []api.Profile
	if err := json.Unmarshal([]byte(body), &list); code != http.StatusOK || err != nil || len(list) != 1 {
		t.Fatalf("alice lists: %d %s", code, body)
	}
	if list[0].Name != "bobs" || list[0].Gateway != "" || list[0].HasPSK || list[0].Auth != "" {
		t.Errorf("alice sees %+v", list[0])
	}
	if code, body := h.as(t, bob, "GET", api.PathProfile, "bobs", nil); code != http.StatusOK || !strings.Contains(body, "192.0.2.1") {
		t.Errorf("bob reads his own: %d %s", code, body)
	}
	if code, _ := h.as(t, root, "GET", api.PathProfile, "bobs", nil); code != http.StatusOK {
		t.Errorf("root reads bob's: %d", code)
	}
	if code, body := h.as(t, bob, "DELETE", api.PathProfile, "bobs", nil); code != http.StatusNoContent {
		t.Errorf("bob removes his own: %d %s", code, body)
	}
}

// A file path from a member is refused naming the field, and nothing is
// stored.
func TestPathFieldsFromRootOnly(t *testing.T) {
	h := start(t, fakeDialer{}, Authorizer{}, "")
	p := api.Profile{Name: "p12", Gateway: "192.0.2.1", Auth: api.AuthEAPTLS, P12File: "/etc/shadow"}
	code, body := h.as(t, alice, "POST", api.PathProfiles, "", p)
	if code != http.StatusBadRequest && code != http.StatusUnprocessableEntity || !strings.Contains(body, `"field":"p12_file"`) {
		t.Errorf("alice's p12_file: %d %s", code, body)
	}
	if _, err := h.store.Get("p12"); err == nil {
		t.Error("the profile was stored")
	}
	if code, body := h.as(t, root, "POST", api.PathProfiles, "", p); code != http.StatusCreated {
		t.Errorf("root's p12_file: %d %s", code, body)
	}
}

// root's shared profile: a member connects and disconnects it, and can
// neither read nor change it.
func TestSharedProfile(t *testing.T) {
	h := start(t, fakeDialer{}, Authorizer{}, "")
	p := pskProfile("office")
	p.Shared = true
	if code, body := h.as(t, alice, "POST", api.PathProfiles, "", p); code == http.StatusCreated || !strings.Contains(body, "shared") {
		t.Errorf("alice shares: %d %s", code, body)
	}
	if code, body := h.as(t, root, "POST", api.PathProfiles, "", p); code != http.StatusCreated {
		t.Fatalf("root shares: %d %s", code, body)
	}
	if code, body := h.as(t, alice, "POST", api.PathConnect, "office", nil); code != http.StatusAccepted {
		t.Errorf("alice connects: %d %s", code, body)
	}
	if code, body := h.as(t, alice, "POST", api.PathDisconnect, "office", nil); code != http.StatusOK {
		t.Errorf("alice disconnects: %d %s", code, body)
	}
	for _, m := range []string{"GET", "PUT", "DELETE"} {
		if code, _ := h.as(t, alice, m, api.PathProfile, "office", p.Redacted()); code != http.StatusForbidden {
			t.Errorf("alice %s: %d", m, code)
		}
	}
}

// snapshot returns the first line of the watch stream as uid sees it.
func (h *harness) snapshot(t *testing.T, uid uint32) api.Event {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	cancel() // the handler sends the snapshot, then ends
	req := httptest.NewRequestWithContext(context.WithValue(ctx, peerKey{}, peerInfo{peer: Peer{UID: uid}}), "GET", api.PathWatch, nil)
	rec := httptest.NewRecorder()
	h.srv.routes().ServeHTTP(deadlineRecorder{rec}, req)
	var ev api.Event
	line, _, _ := strings.Cut(rec.Body.String(), "\n")
	if err := json.Unmarshal([]byte(line), &ev); err != nil {
		t.Fatalf("watch as %d: %v: %s", uid, err, rec.Body.String())
	}
	return ev
}

// deadlineRecorder lets the stream set its write deadlines.
type deadlineRecorder struct{ *httptest.ResponseRecorder }

func (deadlineRecorder) SetWriteDeadline(time.Time) error { return nil }

// Only the profile's owner and root see and answer its prompts.
func TestPromptAnsweredByOwnerOnly(t *testing.T) {
	h := startPrompts(t)
	done := h.connectWaiting()
	pr := awaitPrompt(t, h.watch)
	if ev := h.snapshot(t, alice); len(ev.Prompts) != 0 {
		t.Errorf("alice sees root's prompts: %+v", ev.Prompts)
	}
	if ev := h.snapshot(t, root); len(ev.Prompts) != 1 {
		t.Errorf("root sees prompts %+v", ev.Prompts)
	}
	code, body := h.as(t, alice, "POST", api.PathPrompt, pr.ID, api.PromptAnswer{Password: "attacker's", Remember: true})
	if code != http.StatusForbidden {
		t.Errorf("alice answers root's prompt: %d %s", code, body)
	}
	if stored, _ := h.store.Get("eap"); stored.Password != "" {
		t.Error("alice's answer was stored")
	}
	if code, body := h.as(t, root, "POST", api.PathPrompt, pr.ID, api.PromptAnswer{Password: "right"}); code != http.StatusNoContent {
		t.Fatalf("root answers: %d %s", code, body)
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if pw, n := h.dialer.last(); pw != "right" || n != 1 {
		t.Errorf("dialled %d times, last with %q", n, pw)
	}
}
