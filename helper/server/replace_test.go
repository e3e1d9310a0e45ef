package server

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/espressovpn/espresso/helper/api"
	"github.com/espressovpn/espresso/helper/conn"
	"github.com/espressovpn/espresso/helper/session"
	"github.com/espressovpn/espresso/platform"
)

// claimingDialer claims the profile's networks as the session.Connector
// does, refusing an overlap, and releases them when the session closes.
type claimingDialer struct{ claims *session.Claims }

func (d claimingDialer) Dial(ctx context.Context, a session.Attempt) (session.Conn, error) {
	s := &claimingSession{fakeSession: fakeSession{done: make(chan struct{})}, claims: d.claims}
	if err := d.claims.Claim(s, a.Profile.Name, platform.Networks{Routed: a.Profile.Selectors()}); err != nil {
		return nil, session.Permanent(err)
	}
	return s, nil
}

type claimingSession struct {
	fakeSession
	claims *session.Claims
}

func (s *claimingSession) Close() error {
	s.claims.Release(s)
	return nil
}

// TestConnectReplace: a profile in another's way is refused; with
// replace the caller's own connection in the way goes down first, but
// another user's stays and the request is refused.
func TestConnectReplace(t *testing.T) {
	claims := new(session.Claims)
	h := start(t, claimingDialer{claims}, Authorizer{}, "", conn.WithClaims(claims))
	for _, c := range []struct {
		uid  uint32
		name string
	}{{alice, "office"}, {alice, "office-too"}, {bob, "bobs-office"}} {
		if code, body := h.as(t, c.uid, "POST", api.PathProfiles, "", pskProfile(c.name)); code != http.StatusCreated {
			t.Fatalf("create %s: %d %s", c.name, code, body)
		}
	}
	if code, body := h.as(t, alice, "POST", api.PathConnect+"?wait=true", "office", nil); code != http.StatusOK {
		t.Fatalf("connect office: %d %s", code, body)
	}
	code, body := h.as(t, alice, "POST", api.PathConnect+"?wait=true", "office-too", nil)
	if code == http.StatusOK || !strings.Contains(body, "office-too routes 198.51.100.0/24, which the active connection office already routes") ||
		!strings.Contains(body, string(api.FailureNetworksOverlap)) {
		t.Fatalf("connect office-too beside office: %d %s", code, body)
	}
	if code, body := h.as(t, alice, "POST", api.PathConnect+"?wait=true", "office-too", api.ConnectRequest{Replace: true}); code != http.StatusOK {
		t.Fatalf("connect office-too replacing office: %d %s", code, body)
	}
	if st, _ := h.srv.cfg.Manager.StatusOf("office"); st.State != api.StateDisconnected {
		t.Errorf("office after office-too replaced it: %s", st.State)
	}
	code, body = h.as(t, bob, "POST", api.PathConnect+"?wait=true", "bobs-office", api.ConnectRequest{Replace: true})
	if code != http.StatusForbidden || !strings.Contains(body, "office-too routes networks bobs-office asks for and belongs to another user") {
		t.Errorf("bob replacing alice's connection: %d %s", code, body)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if st, err := h.srv.cfg.Manager.Wait(ctx, "office-too"); err != nil || st.State != api.StateConnected {
		t.Errorf("alice's office-too after bob's try: %v %v", st.State, err)
	}
}
