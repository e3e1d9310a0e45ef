package main

import (
	"context"
	"encoding/json"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/espressovpn/espresso/app/internal/apitest"
	"github.com/espressovpn/espresso/helper/api"
)

// fakeHelper starts the fake helper with the profile "work", connected.
func fakeHelper(t *testing.T) *apitest.Server {
	t.Helper()
	s := apitest.New(filepath.Join(t.TempDir(), "helper.sock"), apitest.Options{})
	if err := s.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Stop)
	if err := s.AddProfile(api.Profile{Name: "work", Gateway: "192.0.2.1", Auth: api.AuthPSK, PSK: "k"}); err != nil {
		t.Fatal(err)
	}
	if code, _, errOut := ctl(t, s.Socket(), "", "up", "work"); code != 0 {
		t.Fatalf("up: %d %q", code, errOut)
	}
	return s
}

// Every command's --help, -h and `help COMMAND` describe it on standard
// output and exit 0 without asking the helper: a command that did would
// leave "work" disconnected or removed.
func TestHelpNeverCallsTheHelper(t *testing.T) {
	s := fakeHelper(t)
	for _, c := range commands {
		for _, args := range [][]string{{c.name, "--help"}, {c.name, "-h"}, {c.name, "work", "--help"}, {"help", c.name}} {
			code, out, errOut := ctl(t, s.Socket(), "", args...)
			if code != 0 || errOut != "" || !strings.HasPrefix(out, "usage: espressoctl "+c.name) || !strings.Contains(out, c.summary[1:]) {
				t.Errorf("%q: %d %q %q", args, code, out, errOut)
			}
			for _, f := range c.flags {
				if !strings.Contains(out, f.usage()) {
					t.Errorf("%q does not describe %s", args, f.usage())
				}
			}
		}
	}
	if st, _ := s.Status("work"); st.State != api.StateConnected {
		t.Errorf("work is %s after the --help runs", st.State)
	}
	for _, args := range [][]string{{"--help"}, {"-h"}, {"help"}} {
		code, out, errOut := ctl(t, s.Socket(), "", args...)
		if code != 0 || errOut != "" || !strings.HasPrefix(out, "usage: espressoctl") {
			t.Errorf("%q: %d %q %q", args, code, out, errOut)
		}
		for _, c := range commands {
			if !strings.Contains(out, "  "+c.name) {
				t.Errorf("%q does not list %s", args, c.name)
			}
		}
	}
	if code, _, errOut := ctl(t, s.Socket(), "", "help", "fly"); code != exitUsage || !strings.Contains(errOut, `no command "fly"`) {
		t.Errorf("help fly: %d %q", code, errOut)
	}
}

func TestHelpExitCodes(t *testing.T) {
	code, out, _ := ctl(t, "/nonexistent", "", "help", "exit-codes")
	if code != 0 {
		t.Fatalf("help exit-codes: %d", code)
	}
	for _, want := range []string{"2  a bad command line, or a bad profile", "3  the Espresso helper is not running", "4  access to the helper denied",
		"5  authentication failed", "6  the gateway is unreachable"} {
		if !strings.Contains(out, want) {
			t.Errorf("help exit-codes lacks %q:\n%s", want, out)
		}
	}
}

// forbiddingHelper answers every request as a helper does to a user
// outside its group.
func forbiddingHelper(t *testing.T) string {
	t.Helper()
	sock := filepath.Join(t.TempDir(), "helper.sock")
	ln, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusForbidden)
		_ = json.NewEncoder(w).Encode(api.ErrorBody{Error: api.Errorf(api.CodeForbidden, "access denied")})
	})}
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { _ = srv.Close() })
	return sock
}

// Each class of failure exits with its own status.
func TestExitCodes(t *testing.T) {
	s := fakeHelper(t)
	for name, code := range map[string]api.FailureCode{"auth": api.FailureAuthLocal, "eap": api.FailureEAPRejected,
		"far": api.FailurePeerUnreachable, "dns": api.FailureDNS, "p12": api.FailureP12Password, "other": api.FailureNoProposal,
		"overlap": api.FailureNetworksOverlap} {
		if err := s.AddProfile(api.Profile{Name: name, Gateway: "192.0.2.1", Auth: api.AuthPSK, PSK: "k"}); err != nil {
			t.Fatal(err)
		}
		s.SetOutcome(name, apitest.Outcome{Fail: "it failed", Code: code})
	}
	sock := s.Socket()
	for _, tc := range []struct {
		sock string
		args []string
		want int
	}{
		{sock, []string{"status"}, exitOK},
		{sock, []string{"up", "auth"}, exitAuth},
		{sock, []string{"up", "eap"}, exitAuth},
		{sock, []string{"up", "far"}, exitUnreachable},
		{sock, []string{"up", "dns"}, exitUnreachable},
		{sock, []string{"up", "p12"}, exitUsage},
		{sock, []string{"up", "other"}, exitFail},
		{sock, []string{"up", "overlap"}, exitOverlap},
		{sock, []string{"up", "nosuch"}, exitUsage},
		{sock, []string{"status", "nosuch"}, exitUsage},
		{sock, []string{"remove", "work"}, exitFail}, // connected: busy
		{sock, []string{"up"}, exitUsage},
		{sock, []string{"--bogus", "list"}, exitUsage},
		{filepath.Join(t.TempDir(), "none.sock"), []string{"list"}, exitNotRunning},
		{forbiddingHelper(t), []string{"status"}, exitDenied},
		{forbiddingHelper(t), []string{"up", "work"}, exitDenied},
	} {
		code, _, errOut := ctl(t, tc.sock, "", tc.args...)
		if code != tc.want || (code == 0) != (errOut == "") {
			t.Errorf("%q: exit %d, want %d (%q)", tc.args, code, tc.want, errOut)
		}
	}
	s.Stop()
	if code, _, errOut := ctl(t, sock, "", "up", "work"); code != exitNotRunning || !strings.Contains(errOut, "not running") {
		t.Errorf("up with the helper stopped: %d %q", code, errOut)
	}
}

func TestJSON(t *testing.T) {
	s := fakeHelper(t)
	s.Log(api.LevelInfo, "work", "hello")
	code, out, errOut := ctl(t, s.Socket(), "", "list", "--json")
	var ps []map[string]any
	if code != 0 || json.Unmarshal([]byte(out), &ps) != nil || len(ps) != 1 || ps[0]["name"] != "work" || ps[0]["state"] != "connected" || strings.Contains(out, `"k"`) {
		t.Errorf("list --json: %d %q %q", code, out, errOut)
	}
	ctl(t, s.Socket(), "", "down", "work")
	code, out, errOut = ctl(t, s.Socket(), "", "up", "work", "--json")
	var st api.ConnectionStatus
	if code != 0 || json.Unmarshal([]byte(out), &st) != nil || st.Name != "work" || st.State != api.StateConnected {
		t.Errorf("up --json: %d %q %q", code, out, errOut)
	}
	code, out, errOut = ctl(t, s.Socket(), "", "logs", "--json")
	lines := strings.Split(strings.TrimSpace(out), "\n")
	var entry api.LogEntry
	if code != 0 || json.Unmarshal([]byte(lines[0]), &entry) != nil || !strings.Contains(out, `"message":"hello"`) {
		t.Errorf("logs --json: %d %q %q", code, out, errOut)
	}
}

func TestCompletionMentionsEveryCommand(t *testing.T) {
	for _, shell := range []string{"bash", "zsh", "fish"} {
		code, out, errOut := ctl(t, "/nonexistent", "", "completion", shell)
		if code != 0 || errOut != "" {
			t.Fatalf("completion %s: %d %q", shell, code, errOut)
		}
		for _, c := range commands {
			if !strings.Contains(out, c.name) {
				t.Errorf("completion %s does not mention %s", shell, c.name)
			}
			for _, f := range c.flags {
				if !strings.Contains(out, f.name) {
					t.Errorf("completion %s does not mention %s's flag %s", shell, c.name, f.name)
				}
			}
		}
		checkSyntax(t, shell, out)
	}
	if code, _, _ := ctl(t, "/nonexistent", "", "completion", "tcsh"); code != exitUsage {
		t.Errorf("completion tcsh: %d", code)
	}
}

// checkSyntax has the shell parse script without running it, where the
// shell is installed.
func checkSyntax(t *testing.T, shell, script string) {
	t.Helper()
	path, err := exec.LookPath(shell)
	if err != nil {
		t.Logf("%s is not installed; its script's syntax is not checked", shell)
		return
	}
	f := filepath.Join(t.TempDir(), "completion."+shell)
	if err := os.WriteFile(f, []byte(script), 0o600); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if out, err := exec.CommandContext(ctx, path, "-n", f).CombinedOutput(); err != nil {
		t.Errorf("%s -n on its completion script: %v\n%s", shell, err, out)
	}
}

func TestManPageListsEveryCommand(t *testing.T) {
	code, out, errOut := ctl(t, "/nonexistent", "", "help", "--man")
	if code != 0 || errOut != "" || !strings.HasPrefix(out, ".TH ESPRESSOCTL 1") {
		t.Fatalf("help --man: %d %q", code, errOut)
	}
	for _, c := range commands {
		if !strings.Contains(out, ".TP\n\\fB"+roff(c.name)+"\\fR") {
			t.Errorf("the man page does not list %s", c.name)
		}
	}
	for _, x := range exitCodes {
		if !strings.Contains(out, ".TP\n.B "+string(rune('0'+x.code))+"\n") {
			t.Errorf("the man page does not list exit status %d", x.code)
		}
	}
	for _, line := range strings.Split(out, "\n") {
		if strings.Contains(line, "`") {
			t.Errorf("a backquote in roff: %q", line)
		}
	}
}
