package main

import (
	"bytes"
	"io"
	"strings"
	"testing"

	"github.com/kardianos/service"

	"github.com/espressovpn/espresso/helper/api"
	helpersvc "github.com/espressovpn/espresso/helper/service"
	"github.com/espressovpn/espresso/helper/service/servicetest"
	"github.com/espressovpn/espresso/internal/version"
)

func TestCommandLineErrors(t *testing.T) {
	for _, args := range [][]string{
		nil,
		{"fly"},
		{"run", "extra"},
		{"--bogus", "run"},
	} {
		var out, errOut bytes.Buffer
		if code := run(args, &out, &errOut); code != 2 {
			t.Errorf("%q: exit %d, want 2", args, code)
		}
		if !strings.Contains(errOut.String(), "usage: espresso-helper") && !strings.Contains(errOut.String(), "flag provided but not defined") {
			t.Errorf("%q: no usage on stderr: %q", args, errOut.String())
		}
	}
}

func TestVersionFlag(t *testing.T) {
	var out, errOut bytes.Buffer
	if code := run([]string{"--version"}, &out, &errOut); code != 0 {
		t.Fatalf("exit %d: %s", code, errOut.String())
	}
	if want := "espresso-helper " + version.String() + "\n"; out.String() != want {
		t.Errorf("output %q, want %q", out.String(), want)
	}
}

// fakeService is the service manager's view of the helper, with a system
// logger that records what reaches it.
type fakeService struct {
	service.Service
	sys *servicetest.SystemLogger
}

func (f fakeService) SystemLogger(chan<- error) (service.Logger, error) { return f.sys, nil }

func TestServiceLogsToSystemLog(t *testing.T) {
	var stderr bytes.Buffer
	p := newProgram(helpersvc.Paths{}, &stderr, api.LevelInfo)
	sys := &servicetest.SystemLogger{}
	p.logToSystem(fakeService{sys: sys}, false)
	p.log.Logf(api.LevelInfo, "work", "connected")
	p.log.Logf(api.LevelError, "", "serve: %s", "closed")
	want := "info [work] connected\nerr serve: closed"
	if got := strings.Join(sys.Lines, "\n"); got != want {
		t.Errorf("system log:\n%s\nwant:\n%s", got, want)
	}
	if entries, _ := p.log.Since(0); len(entries) != 2 {
		t.Errorf("the helper's own log has %d entries", len(entries))
	}
}

func TestInteractiveHelperKeepsSystemLogOut(t *testing.T) {
	p := newProgram(helpersvc.Paths{}, io.Discard, api.LevelInfo)
	sys := &servicetest.SystemLogger{}
	p.logToSystem(fakeService{sys: sys}, true)
	p.log.Logf(api.LevelInfo, "", "listening")
	if len(sys.Lines) != 0 {
		t.Errorf("system log in a terminal: %q", sys.Lines)
	}
}

func TestLogLevelFlag(t *testing.T) {
	var out, errOut bytes.Buffer
	if code := run([]string{"--log-level", "loud", "run"}, &out, &errOut); code != 2 {
		t.Errorf("exit %d, want 2", code)
	}
	if !strings.Contains(errOut.String(), `unknown log level "loud"`) {
		t.Errorf("stderr %q", errOut.String())
	}
}
