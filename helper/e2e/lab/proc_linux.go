package lab

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"time"

	"github.com/espressovpn/espresso/platform/linux/testnet"
)

// clockTick is the unit of utime and stime in /proc/<pid>/stat
// (sysconf(_SC_CLK_TCK), 100 on every Linux architecture Go supports).
const clockTick = 10 * time.Millisecond

// CPUTime is the processor time process pid has used so far, user and
// system together (utime + stime of /proc/<pid>/stat).
func CPUTime(pid int) (time.Duration, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, err
	}
	d, err := parseCPUTime(string(b))
	if err != nil {
		return 0, fmt.Errorf("/proc/%d/stat: %w", pid, err)
	}
	return d, nil
}

// parseCPUTime reads utime + stime from the text of /proc/<pid>/stat.
func parseCPUTime(s string) (time.Duration, error) {
	// The command name, in parentheses, may hold spaces and parentheses:
	// count fields after its last closing parenthesis, where field 3 (the
	// state) begins.
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return 0, fmt.Errorf("no command name")
	}
	f := strings.Fields(s[i+1:])
	// utime and stime are fields 14 and 15, here 11 and 12 from 0.
	if len(f) < 13 {
		return 0, fmt.Errorf("%d fields", len(f)+2)
	}
	var ticks int64
	for _, v := range f[11:13] {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return 0, err
		}
		ticks += n
	}
	return time.Duration(ticks) * clockTick, nil
}

// PeakRSSOf is process pid's peak resident set in KiB (VmHWM) since it
// started or since ResetPeakRSS.
func PeakRSSOf(pid int) (int, error) {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "VmHWM:"); ok {
			return strconv.Atoi(strings.TrimSuffix(strings.TrimSpace(v), " kB"))
		}
	}
	return 0, fmt.Errorf("no VmHWM in /proc/%d/status", pid)
}

// ResetPeakRSS sets process pid's peak resident set back to its current
// one (proc(5), clear_refs), so that PeakRSSOf measures from now on.
func ResetPeakRSS(pid int) error {
	return os.WriteFile(fmt.Sprintf("/proc/%d/clear_refs", pid), []byte("5"), 0)
}

// PIDsOf returns the processes in ns whose command name (/proc/<pid>/comm)
// is comm, for daemons started through a chain of exec'ing wrappers.
func PIDsOf(ns *testnet.Namespace, comm string) ([]int, error) {
	out, err := exec.Command("ip", "netns", "pids", ns.Name).CombinedOutput()
	if err != nil {
		return nil, fmt.Errorf("ip netns pids %s: %w: %s", ns.Name, err, out)
	}
	var pids []int
	for _, f := range strings.Fields(string(out)) {
		pid, err := strconv.Atoi(f)
		if err != nil {
			continue
		}
		if c, err := os.ReadFile(fmt.Sprintf("/proc/%d/comm", pid)); err == nil && strings.TrimSpace(string(c)) == comm {
			pids = append(pids, pid)
		}
	}
	if len(pids) == 0 {
		return nil, fmt.Errorf("no %s in %s", comm, ns.Name)
	}
	return pids, nil
}
