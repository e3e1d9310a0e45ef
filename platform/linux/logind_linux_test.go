package linux

import (
	"bufio"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/espressovpn/espresso/platform"
	"github.com/godbus/dbus/v5"
)

// privateBus starts a dbus-daemon of its own for the test and returns its
// address; the daemon is stopped when the test ends.
func privateBus(t *testing.T) string {
	t.Helper()
	if _, err := exec.LookPath("dbus-daemon"); err != nil {
		t.Skip("dbus-daemon is not installed")
	}
	dir := t.TempDir()
	conf := filepath.Join(dir, "bus.conf")
	sock := filepath.Join(dir, "bus")
	err := os.WriteFile(conf, []byte(`<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:path=`+sock+`</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
`), 0o600)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("dbus-daemon", "--config-file="+conf, "--nofork", "--print-address")
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
	})
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil {
		t.Fatalf("dbus-daemon: %v", err)
	}
	return strings.TrimSpace(line)
}

// TestLogindWatch plays logind on a private bus: a resume is reported, the
// announcement of a suspend and other signals are not, and close ends the
// watch.
func TestLogindWatch(t *testing.T) {
	addr := privateBus(t)
	logind, err := dbus.Connect(addr)
	if err != nil {
		t.Fatal(err)
	}
	defer logind.Close()
	if reply, err := logind.RequestName(logindName, dbus.NameFlagDoNotQueue); err != nil || reply != dbus.RequestNameReplyPrimaryOwner {
		t.Fatalf("own %s: %v %v", logindName, reply, err)
	}
	resumes := make(chan struct{}, 4)
	w, err := watchLogind(addr, func() { resumes <- struct{}{} })
	if err != nil {
		t.Fatal(err)
	}
	defer w.close()

	emit := func(member string, v any) {
		t.Helper()
		if err := logind.Emit(logindPath, logindInterface+"."+member, v); err != nil {
			t.Fatal(err)
		}
	}
	emit(logindSleep, true)
	emit("PrepareForShutdown", false)
	emit(logindSleep, false)
	select {
	case <-resumes:
	case <-time.After(5 * time.Second):
		t.Fatal("no resume reported")
	}
	select {
	case <-resumes:
		t.Fatal("a suspend or another signal was reported as a resume")
	case <-time.After(200 * time.Millisecond):
	}

	// Someone else on the bus claiming to be logind is not listened to.
	other, err := dbus.Connect(addr)
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	if err := other.Emit(logindPath, logindInterface+"."+logindSleep, false); err != nil {
		t.Fatal(err)
	}
	select {
	case <-resumes:
		t.Error("a resume from a sender other than logind was reported")
	case <-time.After(200 * time.Millisecond):
	}
	w.close()
}

// TestMonitorReportsLogindResume checks that the Monitor turns logind's
// resume into a wake report.
func TestMonitorReportsLogindResume(t *testing.T) {
	addr := privateBus(t)
	logind, err := dbus.Connect(addr)
	if err != nil {
		t.Fatal(err)
	}
	defer logind.Close()
	if _, err := logind.RequestName(logindName, dbus.NameFlagDoNotQueue); err != nil {
		t.Fatal(err)
	}
	n, err := New(Options{StateDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	m, err := n.Monitor(MonitorOptions{Settle: 50 * time.Millisecond, SystemBus: addr})
	if err != nil {
		t.Skipf("no netlink here: %v", err)
	}
	defer m.Close()
	if m.logind == nil {
		t.Fatal("the monitor did not reach logind")
	}
	logind.Emit(logindPath, logindInterface+"."+logindSleep, false)
	if c := nextChange(m, 5*time.Second); c&platform.ChangeWake == 0 {
		t.Fatalf("report %v, want wake", c)
	}
}
