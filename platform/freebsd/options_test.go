package freebsd

import (
	"testing"

	"github.com/espressovpn/espresso/platform/bsd"
)

// FreeBSD keeps the kernel's tunN names, destroys a dead process's tun
// devices at recovery, and sets DNS with resolvconf.
func TestOptions(t *testing.T) {
	o := Options{StateDir: "/var/run/espresso"}.bsd()
	if o.Layout != bsd.FreeBSD || o.TUNName != "" || !o.DestroyStale || o.StateDir != "/var/run/espresso" {
		t.Fatalf("options %+v", o)
	}
	if _, ok := o.DNS.(*DNS); !ok {
		t.Fatalf("DNS %T", o.DNS)
	}
}
