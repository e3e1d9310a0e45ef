package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/netip"
	"os"
	"os/exec"
	"strconv"
	"testing"
	"time"

	"github.com/espressovpn/espresso/platform/linux/testnet"
)

// forgeEnv makes the test binary send one UDP datagram (see TestMain and
// forgeMain): TestForgedIKEError runs it as a member of the group in the
// client's namespace, the forgery any local user can make without
// privileges.
const forgeEnv = "ESPRESSO_E2E_FORGE"

// forgeRequest is the datagram a forgeMain process sends.
type forgeRequest struct {
	To      string
	Payload []byte
}

// forgeMain sends the datagram in req from an ordinary UDP socket. It
// refuses to run as root, so that the test cannot pass by privilege.
func forgeMain(req string) int {
	if os.Geteuid() == 0 {
		fmt.Fprintln(os.Stderr, "forge: running as root, not as a member")
		return 2
	}
	var r forgeRequest
	if err := json.Unmarshal([]byte(req), &r); err != nil {
		fmt.Fprintln(os.Stderr, "forge:", err)
		return 2
	}
	c, err := net.Dial("udp", r.To)
	if err != nil {
		fmt.Fprintln(os.Stderr, "forge:", err)
		return 1
	}
	defer c.Close()
	if _, err := c.Write(r.Payload); err != nil {
		fmt.Fprintln(os.Stderr, "forge:", err)
		return 1
	}
	return 0
}

// sendUDP sends payload to to from an unprivileged UDP socket of the
// member inside ns: nsenter enters the namespace as root and then takes
// the member's user and group before the test binary runs.
func (m *member) sendUDP(t *testing.T, ns *testnet.Namespace, to netip.AddrPort, payload []byte) {
	t.Helper()
	req, _ := json.Marshal(forgeRequest{To: to.String(), Payload: payload})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, "nsenter", "--net=/run/netns/"+ns.Name,
		"--setuid", strconv.FormatUint(uint64(m.uid), 10), "--setgid", strconv.FormatUint(uint64(m.gid), 10),
		"--", m.bin)
	cmd.Env = []string{forgeEnv + "=" + string(req)}
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("sending a datagram as %s: %v: %s", m.name, err, out)
	}
}
