package e2e

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/espressovpn/espresso/platform/linux/testnet"
)

// capture is a tcpdump writing the packets of one interface of a
// namespace to a file, read back afterwards with filters.
type capture struct {
	t    *testing.T
	path string
	proc *testnet.Process
}

// startCapture starts tcpdump on iface in ns ("any" for all of them) and
// waits until it listens. Only headers are kept: 128 bytes a packet.
func startCapture(t *testing.T, ns *testnet.Namespace, iface string) *capture {
	t.Helper()
	testnet.RequireRoot(t, "tcpdump")
	dir := t.TempDir()
	c := &capture{t: t, path: filepath.Join(dir, "capture.pcap")}
	logPath := filepath.Join(dir, "tcpdump.log")
	// -Z root: the file is in the test's private directory.
	c.proc = testnet.Start(t, ns.Command("tcpdump", "-i", iface, "-n", "-U", "-Z", "root", "-s", "128", "-w", c.path), logPath)
	for deadline := time.Now().Add(10 * time.Second); ; {
		if b, _ := os.ReadFile(logPath); strings.Contains(string(b), "listening on") {
			return c
		}
		if c.proc.Exited() || time.Now().After(deadline) {
			b, _ := os.ReadFile(logPath)
			t.Fatalf("tcpdump on %s in %s did not start:\n%s", iface, ns.Name, b)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// stop ends tcpdump, which flushes the file.
func (c *capture) stop() { c.proc.Stop(5 * time.Second) }

// lines returns tcpdump's one-line summaries of the captured packets that
// match filter (pcap-filter(7) syntax).
func (c *capture) lines(filter string) []string {
	c.t.Helper()
	out, err := exec.Command("tcpdump", "-n", "-r", c.path, filter).Output()
	if err != nil {
		c.t.Fatalf("tcpdump -r %q: %v", filter, err)
	}
	var ls []string
	for l := range strings.SplitSeq(strings.TrimSpace(string(out)), "\n") {
		if l != "" {
			ls = append(ls, l)
		}
	}
	return ls
}

// count is the number of captured packets matching filter.
func (c *capture) count(filter string) int { return len(c.lines(filter)) }

var mssOption = regexp.MustCompile(`mss (\d+)`)

// synMSS returns the MSS option of every captured TCP segment with SYN
// set that matches filter, SYN and SYN-ACK alike.
func (c *capture) synMSS(filter string) []int {
	c.t.Helper()
	var mss []int
	for _, l := range c.lines("tcp[tcpflags] & tcp-syn != 0 and (" + filter + ")") {
		m := mssOption.FindStringSubmatch(l)
		if m == nil {
			c.t.Errorf("a SYN without an MSS option: %s", l)
			continue
		}
		v, _ := strconv.Atoi(m[1])
		mss = append(mss, v)
	}
	return mss
}
