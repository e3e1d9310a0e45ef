package service

import (
	"fmt"
	"strings"
	"testing"

	"github.com/espressovpn/espresso/helper/api"
	"github.com/espressovpn/espresso/helper/logring"
)

// fakeSystemLogger records what reaches the system log, one line per
// record with its priority.
type fakeSystemLogger struct{ lines []string }

func (f *fakeSystemLogger) add(prio string, v ...any) error {
	f.lines = append(f.lines, prio+" "+fmt.Sprint(v...))
	return nil
}
func (f *fakeSystemLogger) Error(v ...any) error   { return f.add("err", v...) }
func (f *fakeSystemLogger) Warning(v ...any) error { return f.add("warning", v...) }
func (f *fakeSystemLogger) Info(v ...any) error    { return f.add("info", v...) }
func (f *fakeSystemLogger) Errorf(format string, a ...any) error {
	return f.add("err", fmt.Sprintf(format, a...))
}
func (f *fakeSystemLogger) Warningf(format string, a ...any) error {
	return f.add("warning", fmt.Sprintf(format, a...))
}
func (f *fakeSystemLogger) Infof(format string, a ...any) error {
	return f.add("info", fmt.Sprintf(format, a...))
}

func TestSystemLogGetsInfoAndAbove(t *testing.T) {
	var sys fakeSystemLogger
	r := logring.New(10, nil, nil)
	r.SetSink(SystemLog(&sys))
	if err := r.SetLevel(api.LevelDebug); err != nil {
		t.Fatal(err)
	}
	r.Logf(api.LevelInfo, "", "listening")
	r.Logf(api.LevelDebug, "work", "ike: sent IKE_SA_INIT")
	r.Logf(api.LevelWarn, "work", "connection lost; reconnecting")
	r.Logf(api.LevelError, "work", "connection failed: %s", "no proposal chosen")
	want := []string{
		"info listening",
		"warning [work] connection lost; reconnecting",
		"err [work] connection failed: no proposal chosen",
	}
	if strings.Join(sys.lines, "\n") != strings.Join(want, "\n") {
		t.Errorf("system log:\n%s\nwant:\n%s", strings.Join(sys.lines, "\n"), strings.Join(want, "\n"))
	}
}
