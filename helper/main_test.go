package main

import (
	"bytes"
	"strings"
	"testing"

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
