package e2e

import (
	"strings"
	"testing"

	"github.com/espressovpn/espresso/helper/e2e/lab"
	"github.com/espressovpn/espresso/platform/linux/testnet"
)

// TestHelperKilled: SIGKILL the helper while connected; what the kernel
// does not remove by itself (the policy rule, the resolver file) stays
// until the helper starts again, and then the system is as before the
// connection. The profile then connects again.
func TestHelperKilled(t *testing.T) {
	r := newRig(t, false)
	r.h.Import(lab.PSKProfile("work"))
	before := r.state(t)
	r.up(t, "work")
	if d := before.Diff(r.state(t)); d == "" {
		t.Fatal("connecting changed nothing on the system")
	}

	r.h.Kill()
	// The TUN device, and the routes through it, went with the process;
	// the rule and the resolver file are the helper's to undo.
	after := r.state(t)
	if !strings.Contains(after["rules4"], "lookup 220") || !strings.Contains(after["resolv.conf"], testnet.DNSV4.String()) {
		t.Fatalf("the crash left no rule or DNS change behind, so the restart proves nothing:\n%s", before.Diff(after))
	}
	r.h.Start()
	if d := before.Diff(r.state(t)); d != "" {
		t.Errorf("after the restart the system is not as before:\n%s", d)
	}

	r.up(t, "work")
	if out, err := r.top.Client.Run("ping", "-c", "2", "-i", "0.2", "-W", "2", testnet.LANHostV4.String()); err != nil {
		t.Errorf("no ping after reconnecting: %v\n%s", err, out)
	}
	r.h.MustCtl("down", "work")
	if d := before.Diff(r.state(t)); d != "" {
		t.Errorf("down left the system changed:\n%s", d)
	}
}

// TestHelperStopped: a helper told to stop (SIGTERM, as systemd does)
// while connected deletes the IKE SA and restores the system before it
// exits.
func TestHelperStopped(t *testing.T) {
	r := newRig(t, false)
	r.h.Import(lab.PSKProfile("work"))
	before := r.state(t)
	r.up(t, "work")
	r.h.Stop()
	if d := before.Diff(r.state(t)); d != "" {
		t.Errorf("the stopped helper left the system changed:\n%s", d)
	}
	waitGatewayClean(t, r.gw)
}
