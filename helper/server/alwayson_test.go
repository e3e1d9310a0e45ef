package server

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/espressovpn/espresso/helper/api"
)

// The default always-on mark is set and taken by the marked profile's
// owner or root only: a member cannot keep another's connection up for
// the whole machine, take the mark from it, or mark root's shared
// profile, which members may only connect.
func TestAlwaysOnMarkedByOwnerOnly(t *testing.T) {
	h := start(t, fakeDialer{}, Authorizer{}, "")
	for _, c := range []struct {
		uid  uint32
		name string
		edit func(*api.Profile)
	}{{bob, "bobs", nil}, {alice, "alices", nil}, {root, "roots", func(p *api.Profile) { p.Shared = true }}} {
		p := pskProfile(c.name)
		if c.edit != nil {
			c.edit(&p)
		}
		if code, body := h.as(t, c.uid, "POST", api.PathProfiles, "", p); code != http.StatusCreated {
			t.Fatalf("%s: %d %s", c.name, code, body)
		}
	}
	mark := func(uid uint32, name string) (int, string) {
		return h.as(t, uid, "PUT", api.PathAlwaysOn, "", api.AlwaysOn{Profile: name})
	}
	for _, name := range []string{"bobs", "roots"} {
		if code, body := mark(alice, name); code != http.StatusForbidden || !strings.Contains(body, "belongs to another user") {
			t.Errorf("alice marks %s: %d %s", name, code, body)
		}
	}
	if code, body := mark(bob, "bobs"); code != http.StatusOK || !strings.Contains(body, `"bobs"`) {
		t.Fatalf("bob marks his own: %d %s", code, body)
	}
	// Neither clearing nor moving the mark is alice's to do.
	for _, name := range []string{"", "alices"} {
		if code, body := mark(alice, name); code != http.StatusForbidden {
			t.Errorf("alice moves bob's mark to %q: %d %s", name, code, body)
		}
	}
	code, body := h.as(t, alice, "GET", api.PathAlwaysOn, "", nil)
	var got api.AlwaysOn
	if err := json.Unmarshal([]byte(body), &got); code != http.StatusOK || err != nil || got.Profile != "bobs" {
		t.Errorf("alice reads the mark: %d %s", code, body)
	}
	if code, body := mark(root, "alices"); code != http.StatusOK {
		t.Errorf("root moves the mark: %d %s", code, body)
	}
	if code, body := mark(alice, ""); code != http.StatusOK || !strings.Contains(body, `"profile":""`) {
		t.Errorf("alice clears her own mark: %d %s", code, body)
	}
	if code, body := mark(root, "nope"); code != http.StatusNotFound {
		t.Errorf("an unknown profile: %d %s", code, body)
	}
	if code, body := h.as(t, root, "PUT", api.PathAlwaysOn, "", "work"); code != http.StatusBadRequest {
		t.Errorf("not an object: %d %s", code, body)
	}
}

// A bad trusted network is refused naming the entry.
func TestTrustedNetworksRefusedByField(t *testing.T) {
	h := start(t, fakeDialer{}, Authorizer{}, "")
	p := pskProfile("work")
	p.AutoConnect = true
	p.TrustedNetworks = []string{"prefix:192.0.2.0/24", "prefix:192.0.2.1/24"}
	code, body := h.as(t, alice, "POST", api.PathProfiles, "", p)
	if code != http.StatusBadRequest || !strings.Contains(body, `"field":"trusted_networks[1]"`) {
		t.Errorf("%d %s", code, body)
	}
}
