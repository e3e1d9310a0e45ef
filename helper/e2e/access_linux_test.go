package e2e

import (
	"context"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/espressovpn/espresso/helper/e2e/lab"
)

// nobody is a user that is neither root nor in the espresso group.
const nobody = 65534

// TestAccessDenied: a user who is neither root nor in the group can
// neither open the helper's socket nor, with the socket opened up to
// everyone, get past the peer credential check (SO_PEERCRED); nothing
// changes.
func TestAccessDenied(t *testing.T) {
	r := newRig(t, false)
	r.h.Import(lab.PSKProfile("work"))
	path := r.h.Dir + "/other.json"
	if err := os.WriteFile(path, []byte(`{"name":"other","gateway":"192.0.2.1","auth":"psk","psk":"x"}`), 0o644); err != nil {
		t.Fatal(err)
	}
	attempts := [][]string{{"list"}, {"status"}, {"up", "work"}, {"remove", "work"}, {"import", path}}
	for _, args := range attempts {
		if out, err := ctlAs(t, r.h, nobody, args...); err == nil {
			t.Errorf("espressoctl %v as an unprivileged user succeeded:\n%s", args, out)
		}
	}
	// With the socket's mode out of the way, the credential check must
	// still refuse.
	if err := os.Chmod(r.h.Socket, 0o666); err != nil {
		t.Fatal(err)
	}
	for _, args := range attempts {
		out, err := ctlAs(t, r.h, nobody, args...)
		if err == nil {
			t.Errorf("espressoctl %v through an open socket succeeded:\n%s", args, out)
		}
		if strings.Contains(out, "permission denied") && strings.Contains(out, "dial") {
			t.Errorf("espressoctl %v was stopped by the socket mode, not the helper: %s", args, out)
		}
	}
	if out := r.h.MustCtl("list"); !strings.Contains(out, "work") || strings.Contains(out, "other") {
		t.Errorf("profiles changed:\n%s", out)
	}
	if st, err := r.h.Status("work"); err != nil || st.State != "disconnected" {
		t.Errorf("status %+v, %v", st, err)
	}
}

// ctlAs runs espressoctl as uid with no supplementary groups.
func ctlAs(t *testing.T, h *lab.Helper, uid uint32, args ...string) (string, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, h.Bins.Ctl, append([]string{"--socket", h.Socket}, args...)...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: uid, Gid: uid, Groups: []uint32{}}}
	out, err := cmd.CombinedOutput()
	return string(out), err
}
