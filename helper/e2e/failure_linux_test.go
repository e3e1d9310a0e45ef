package e2e

import (
	"strings"
	"testing"

	"github.com/espressovpn/espresso/helper/api"
	"github.com/espressovpn/espresso/helper/e2e/lab"
)

// TestWrongKey: with a key the gateway does not know, `up` exits non-zero
// with the reason in one line, the status says failed, and the system is
// untouched.
func TestWrongKey(t *testing.T) {
	r := newRig(t, false)
	p := lab.PSKProfile("work")
	p.PSK = "not-the-gateway-key-0123456789"
	r.h.Import(p)
	before := r.state(t)
	out, err := r.h.Ctl("up", "work")
	if err == nil {
		t.Fatalf("up with a wrong key succeeded:\n%s", out)
	}
	if strings.Contains(out, "not available in this build") {
		t.Skipf("skipping: this espresso-helper has no IKEv2 initiator: %s", out)
	}
	if lines := strings.Split(strings.TrimSpace(out), "\n"); len(lines) != 1 || !strings.Contains(out, "authentication") {
		t.Errorf("up should give the reason in one line, got:\n%s", out)
	}
	st, err := r.h.Status("work")
	if err != nil || st.State != api.StateFailed || !strings.Contains(st.LastError, "authentication") || st.ErrorCode != api.FailureAuthLocal {
		t.Errorf("status %+v, %v; want failed with %q", st, err, api.FailureAuthLocal)
	}
	if d := before.Diff(r.state(t)); d != "" {
		t.Errorf("a failed connection changed the system:\n%s", d)
	}
}
