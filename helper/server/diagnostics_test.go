package server

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/espressovpn/espresso/helper/api"
)

// diagnosticsOutcome, run as a group member, tries to raise the log
// level and reads the diagnostics: it names what happened to the first
// and the profiles the diagnostics hold.
func diagnosticsOutcome(sock string) string {
	c := api.NewClient(sock)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	err1 := c.SetLogLevel(ctx, api.LevelDebug)
	d, err2 := c.Diagnostics(ctx)
	if err2 != nil {
		return outcome(err1) + " " + outcome(err2)
	}
	var names []string
	for _, p := range d.Profiles {
		names = append(names, p.Name)
	}
	return outcome(err1) + " profiles:" + strings.Join(names, ",")
}

func TestLogLevel(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root: the test client must pass the helper's peer check")
	}
	h := start(t, fakeDialer{}, Authorizer{}, "")
	ctx := context.Background()
	if l, err := h.client.LogLevel(ctx); err != nil || l != api.LevelInfo {
		t.Fatalf("LogLevel = %q, %v; want info", l, err)
	}
	h.log.Logf(api.LevelDebug, "", "not kept at info")
	if err := h.client.SetLogLevel(ctx, api.LevelDebug); err != nil {
		t.Fatal(err)
	}
	if l, err := h.client.LogLevel(ctx); err != nil || l != api.LevelDebug {
		t.Fatalf("LogLevel = %q, %v; want debug", l, err)
	}
	h.log.Logf(api.LevelDebug, "", "kept at debug")
	var e *api.Error
	if err := h.client.SetLogLevel(ctx, "loud"); !errors.As(err, &e) || e.Code != api.CodeBadRequest {
		t.Errorf("SetLogLevel(loud) = %v; want bad_request", err)
	}
	entries, _ := h.log.Since(0)
	var msgs []string
	for _, e := range entries {
		msgs = append(msgs, e.Message)
	}
	all := strings.Join(msgs, "|")
	if strings.Contains(all, "not kept") || !strings.Contains(all, "kept at debug") || !strings.Contains(all, "from info to debug by uid 0") {
		t.Errorf("log = %s", all)
	}
}

func TestDiagnostics(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root: the test client must pass the helper's peer check")
	}
	state := func(context.Context, bool) []api.SystemState {
		return []api.SystemState{{Name: "routes-ipv4", Command: "ip -4 route show table all", Output: "default via 192.0.2.1"}}
	}
	h := start(t, fakeDialer{}, Authorizer{}, "", func(c *Config) { c.SystemState = state })
	ctx := context.Background()
	p := pskProfile("work")
	p.PSK = "diagnostics-secret-psk"
	if _, err := h.client.CreateProfile(ctx, p, false); err != nil {
		t.Fatal(err)
	}
	h.log.Logf(api.LevelInfo, "work", "hello")
	d, err := h.client.Diagnostics(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(d.Profiles) != 1 || !d.Profiles[0].HasPSK || d.Profiles[0].PSK != "" {
		t.Errorf("profiles = %+v", d.Profiles)
	}
	if len(d.Status) != 1 || d.Status[0].Name != "work" {
		t.Errorf("status = %+v", d.Status)
	}
	if len(d.System) != 1 || d.System[0].Output != "default via 192.0.2.1" {
		t.Errorf("system = %+v", d.System)
	}
	if d.Version.Helper != "test" || d.LogLevel != api.LevelInfo || len(d.Log) == 0 {
		t.Errorf("version %+v, level %q, %d log entries", d.Version, d.LogLevel, len(d.Log))
	}
	raw, _ := json.Marshal(d)
	if strings.Contains(string(raw), "diagnostics-secret-psk") {
		t.Error("the diagnostics hold the PSK")
	}
}

func TestDiagnosticsOfMember(t *testing.T) {
	h, bin, uid, gid, _ := memberServer(t)
	if _, err := h.client.CreateProfile(context.Background(), pskProfile("work"), false); err != nil {
		t.Fatal(err)
	}
	if _, err := h.store.PutAs(pskProfile("mine"), false, uid); err != nil {
		t.Fatal(err)
	}
	os.Chmod(filepath.Dir(h.sock), 0o755)
	if err := os.Chmod(h.sock, 0o666); err != nil {
		t.Fatal(err)
	}
	got := runAs(t, bin, h.sock, uid, gid, peerActionEnv+"=diagnostics")
	if got != "forbidden profiles:mine" {
		t.Errorf("member: %s; want the level refused and only the member's own profile", got)
	}
	if l := h.log.Level(); l != api.LevelInfo {
		t.Errorf("level = %s after a member's attempt", l)
	}
}
