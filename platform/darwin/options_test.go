package darwin

import (
	"testing"

	"github.com/espressovpn/espresso/platform/bsd"
)

// macOS names its devices utunN, keeps nothing of a dead process's utun,
// and sets DNS with scutil.
func TestOptions(t *testing.T) {
	o := Options{StateDir: "/var/run/espresso"}.bsd()
	if o.Layout != bsd.Darwin || o.TUNName != "utun" || o.DestroyStale || o.StateDir != "/var/run/espresso" {
		t.Fatalf("options %+v", o)
	}
	if _, ok := o.DNS.(*DNS); !ok {
		t.Fatalf("DNS %T", o.DNS)
	}
}
