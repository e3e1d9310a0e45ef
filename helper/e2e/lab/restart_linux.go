package lab

import (
	"fmt"
	"os"
	"path/filepath"
	"syscall"
	"time"

	"github.com/espressovpn/espresso/platform/linux/testnet"
)

// charonPath is where Debian's strongswan-charon installs the daemon, as
// testnet starts it.
const charonPath = "/usr/lib/ipsec/charon"

// KillCharon ends the charon of p with SIGKILL, as a crash or a power cut
// would: it deletes nothing and tells no client. It waits for the process
// to be gone.
func KillCharon(t testnet.T, p *testnet.Process) {
	t.Helper()
	if err := p.Signal(syscall.SIGKILL); err != nil {
		t.Fatalf("killing charon (pid %d): %v", p.PID(), err)
	}
	if ok, _ := p.Wait(10 * time.Second); !ok {
		t.Fatalf("charon (pid %d) survived SIGKILL", p.PID())
	}
}

// RestartCharon starts a new charon in ns from the directory of c, so with
// the same configuration, credentials and vici socket, and loads that
// configuration, as a gateway that comes back after a crash does. It
// knows none of the earlier daemon's SAs. The new process is stopped when
// the test ends; c.Swanctl and c.ListSAs talk to it.
func RestartCharon(t testnet.T, ns *testnet.Namespace, c *testnet.Charon) *testnet.Process {
	t.Helper()
	cmd := ns.Command("unshare", "--mount", "--propagation", "private", "sh", "-c",
		"mount -t tmpfs none /run && exec "+charonPath)
	cmd.Env = append(os.Environ(), "STRONGSWAN_CONF="+filepath.Join(c.Dir, "strongswan.conf"))
	out := filepath.Join(c.Dir, fmt.Sprintf("charon-%d.out", time.Now().UnixNano()))
	p := testnet.Start(t, cmd, out)
	for deadline := time.Now().Add(10 * time.Second); ; {
		_, err := c.Swanctl("--stats")
		if err == nil {
			break
		}
		if p.Exited() || time.Now().After(deadline) {
			b, _ := os.ReadFile(out)
			t.Fatalf("charon in %s did not start again: %v %s", ns.Name, err, b)
		}
		time.Sleep(100 * time.Millisecond)
	}
	if o, err := c.Swanctl("--load-all", "--noprompt", "--file", filepath.Join(c.Dir, "swanctl.conf")); err != nil {
		t.Fatalf("swanctl --load-all after the restart: %v\n%s", err, o)
	}
	return p
}

// StopCharon ends the charon of p with SIGTERM, as a gateway that is shut
// down: strongSwan deletes its IKE SAs on the way (RFC 7296 §1.4.1), so
// its clients know at once. It waits for the process to be gone.
func StopCharon(t testnet.T, p *testnet.Process) {
	t.Helper()
	if err := p.Signal(syscall.SIGTERM); err != nil {
		t.Fatalf("stopping charon (pid %d): %v", p.PID(), err)
	}
	if ok, _ := p.Wait(15 * time.Second); !ok {
		t.Fatalf("charon (pid %d) did not stop within 15s of SIGTERM", p.PID())
	}
}
