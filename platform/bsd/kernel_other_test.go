//go:build !darwin && !freebsd

package bsd

import (
	"errors"
	"testing"

	"github.com/espressovpn/espresso/platform"
)

func TestNewUnsupportedOffBSD(t *testing.T) {
	if _, err := New(Options{StateDir: t.TempDir(), Layout: Darwin, DNS: &fakeDNS{}}); !errors.Is(err, platform.ErrUnsupported) {
		t.Fatalf("New on Linux = %v", err)
	}
}
