package service

import (
	"strings"
	"testing"

	"github.com/espressovpn/espresso/helper/api"
	"github.com/espressovpn/espresso/helper/logring"
	"github.com/espressovpn/espresso/helper/service/servicetest"
)

func TestSystemLogGetsInfoAndAbove(t *testing.T) {
	var sys servicetest.SystemLogger
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
	if strings.Join(sys.Lines, "\n") != strings.Join(want, "\n") {
		t.Errorf("system log:\n%s\nwant:\n%s", strings.Join(sys.Lines, "\n"), strings.Join(want, "\n"))
	}
}
