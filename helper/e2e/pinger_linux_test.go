package e2e

import (
	"net/netip"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/espressovpn/espresso/platform/linux/testnet"
)

// pinger is a ping running in the background, every 200 ms for at most a
// given time, whose replies are read from its output as they come.
type pinger struct {
	path string
	proc *testnet.Process
}

// startPinger pings dst from src (when valid) inside ns for at most d.
func startPinger(t *testing.T, ns *testnet.Namespace, src, dst netip.Addr, d time.Duration) *pinger {
	t.Helper()
	p := &pinger{path: filepath.Join(t.TempDir(), "ping.log")}
	args := []string{"ping", "-D", "-n", "-i", "0.2", "-W", "1", "-w", strconv.Itoa(int(d / time.Second))}
	if src.IsValid() {
		args = append(args, "-I", src.String())
	}
	p.proc = testnet.Start(t, ns.Command(append(args, dst.String())...), p.path)
	return p
}

var pingReply = regexp.MustCompile(`^\[(\d+)\.(\d+)\] \d+ bytes from .*icmp_seq=(\d+)`)

// replies returns when each reply so far arrived, in order.
func (p *pinger) replies() []time.Time {
	b, _ := os.ReadFile(p.path)
	var ts []time.Time
	for l := range strings.SplitSeq(string(b), "\n") {
		m := pingReply.FindStringSubmatch(l)
		if m == nil {
			continue
		}
		sec, _ := strconv.ParseInt(m[1], 10, 64)
		frac, _ := strconv.ParseFloat("0."+m[2], 64)
		ts = append(ts, time.Unix(sec, int64(frac*1e9)))
	}
	return ts
}

// waitReplyAfter waits up to timeout for a reply that arrived after at and
// returns when it did.
func (p *pinger) waitReplyAfter(at time.Time, timeout time.Duration) (time.Time, bool) {
	for deadline := time.Now().Add(timeout); ; {
		for _, r := range p.replies() {
			if r.After(at) {
				return r, true
			}
		}
		if time.Now().After(deadline) {
			return time.Time{}, false
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// lastReplyBefore returns the last reply that arrived before at.
func (p *pinger) lastReplyBefore(at time.Time) (time.Time, bool) {
	var last time.Time
	for _, r := range p.replies() {
		if r.Before(at) {
			last = r
		}
	}
	return last, !last.IsZero()
}

// stop ends the ping.
func (p *pinger) stop() { p.proc.Stop(2 * time.Second) }
