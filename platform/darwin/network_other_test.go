//go:build !darwin

package darwin

import (
	"errors"
	"testing"

	"github.com/espressovpn/espresso/platform"
)

func TestNewUnsupported(t *testing.T) {
	if _, err := New(Options{StateDir: t.TempDir()}); !errors.Is(err, platform.ErrUnsupported) {
		t.Fatalf("New = %v", err)
	}
}
