package install

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/espressovpn/espresso/app/setup"
	"github.com/espressovpn/espresso/helper/e2e/lab"
)

// Names the package and the test use.
const (
	pkgName  = "espresso"
	group    = "espresso"
	unitPath = "/usr/lib/systemd/system/espresso-helper.service"
	// testUser is the desktop user the test installs as (SUDO_USER); the
	// package must add it to the group.
	testUser = "espresso-pkgtest"
)

// installed are the files the .deb installs and their modes; all are
// root:root.
var installed = map[string]fs.FileMode{
	"/usr/bin/espresso":                 0o755,
	"/usr/bin/espresso-helper":          0o755,
	"/usr/bin/espressoctl":              0o755,
	unitPath:                            0o644,
	"/usr/lib/sysusers.d/espresso.conf": 0o644,
	"/usr/share/applications/com.github.espressovpn.espresso.desktop":           0o644,
	"/etc/xdg/autostart/com.github.espressovpn.espresso.desktop":                0o644,
	"/usr/share/icons/hicolor/512x512/apps/com.github.espressovpn.espresso.png": 0o644,
	"/usr/share/mime/packages/com.github.espressovpn.espresso.xml":              0o644,
	"/usr/share/polkit-1/actions/org.espressovpn.helper.policy":                 0o644,
	"/usr/share/doc/espresso/copyright":                                         0o644,
	"/usr/share/doc/espresso/changelog.gz":                                      0o644,
	"/usr/share/man/man1/espressoctl.1.gz":                                      0o644,
	"/usr/share/bash-completion/completions/espressoctl":                        0o644,
	"/usr/share/zsh/vendor-completions/_espressoctl":                            0o644,
	"/usr/share/fish/vendor_completions.d/espressoctl.fish":                     0o644,
}

// generated are the files made from espressoctl at package time and what
// each must say: the man page (gzip) and the shell completions.
var generated = map[string]string{
	"/usr/share/man/man1/espressoctl.1.gz":                  ".TH ESPRESSOCTL 1",
	"/usr/share/bash-completion/completions/espressoctl":    "complete -F _espressoctl espressoctl",
	"/usr/share/zsh/vendor-completions/_espressoctl":        "#compdef espressoctl",
	"/usr/share/fish/vendor_completions.d/espressoctl.fish": "complete -c espressoctl",
}

// Bounds on the commands and waits; generous, they only keep a broken
// run from hanging.
const (
	commandTimeout = 2 * time.Minute
	helperUp       = 20 * time.Second
	helperDown     = 40 * time.Second
)

// TestDebInstallRunPurge installs the .deb, checks it, runs the helper as
// the unit would, and purges it.
func TestDebInstallRunPurge(t *testing.T) {
	deb := findPackage(t, "espresso_*_amd64.deb")
	needRoot(t, "dpkg", "dpkg-deb", "useradd", "userdel")
	// helper/e2e's tests create the group too, in another process.
	lab.LockGroup(t)
	if out, err := exec.Command("dpkg-query", "-W", "-f=${Status}", pkgName).CombinedOutput(); err == nil && strings.Contains(string(out), "installed") {
		t.Skipf("package %s is already installed on this machine (%s); the test would replace it", pkgName, out)
	}
	if _, err := user.LookupGroup(group); err == nil {
		t.Skipf("group %s exists already, so the test could not see the package create and remove it", group)
	}
	version := strings.TrimSpace(run(t, "dpkg-deb", "-f", deb, "Version"))

	before := espressoPaths(t)
	// Clean up whatever happens: the helper, the package, the group and
	// the test user.
	var helper *exec.Cmd
	t.Cleanup(func() {
		if helper != nil && helper.ProcessState == nil {
			helper.Process.Kill()
			helper.Wait()
		}
		if out, err := exec.Command("dpkg-query", "-W", "-f=${Status}", pkgName).CombinedOutput(); err == nil && !strings.Contains(string(out), "not-installed") {
			if out, err := exec.Command("dpkg", "--purge", pkgName).CombinedOutput(); err != nil {
				t.Errorf("clean-up: dpkg --purge: %v\n%s", err, out)
			}
		}
		if _, err := user.Lookup(testUser); err == nil {
			if out, err := exec.Command("userdel", testUser).CombinedOutput(); err != nil {
				t.Errorf("clean-up: userdel %s: %v\n%s", testUser, err, out)
			}
		}
		if _, err := user.LookupGroup(group); err == nil {
			exec.Command("groupdel", group).Run()
		}
	})
	if _, err := user.Lookup(testUser); err != nil {
		run(t, "useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", testUser)
	}

	// Install as a desktop user would through sudo.
	cmd := exec.Command("dpkg", "-i", deb)
	cmd.Env = append(os.Environ(), "SUDO_USER="+testUser, "DEBIAN_FRONTEND=noninteractive")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("dpkg -i %s: %v\n%s", deb, err, out)
	}
	t.Logf("dpkg -i:\n%s", out)
	booted := isDir("/run/systemd/system")
	if !booted && !strings.Contains(string(out), "not running as PID 1") {
		t.Errorf("without systemd as PID 1, the install did not say so:\n%s", out)
	}
	if !strings.Contains(string(out), "added "+testUser+" to the "+group+" group") {
		t.Errorf("the install did not say it added %s to the group:\n%s", testUser, out)
	}

	// Installing again runs the upgrade path of the scripts, which must
	// leave everything as it was.
	if out, err := exec.Command("dpkg", "-i", deb).CombinedOutput(); err != nil {
		t.Fatalf("dpkg -i again (the upgrade path): %v\n%s", err, out)
	}

	checkFiles(t)
	g, err := user.LookupGroup(group)
	if err != nil {
		t.Fatalf("group %s after the install: %v", group, err)
	}
	if u, err := user.Lookup(testUser); err != nil {
		t.Error(err)
	} else if gids, err := u.GroupIds(); err != nil || !slices.Contains(gids, g.Gid) {
		t.Errorf("%s is not in group %s (gid %s): %v %v", testUser, group, g.Gid, gids, err)
	}
	if got, want := strings.TrimSpace(run(t, "/usr/bin/espresso-helper", "--version")), "espresso-helper "+version; got != want {
		t.Errorf("espresso-helper --version = %q, want %q", got, want)
	}
	if _, err := os.Lstat("/etc/systemd/system/multi-user.target.wants/espresso-helper.service"); err != nil {
		t.Errorf("the unit is not enabled: %v", err)
	}
	checkUnit(t)
	// The app registers the installed helper without complaint: only
	// root can change it and the directories above it.
	if err := setup.CheckHelper("/usr/bin/espresso-helper", setup.Lstat, filepath.EvalSymlinks); err != nil {
		t.Errorf("the app would refuse the installed helper: %v", err)
	}

	// The helper as the unit starts it, answering the installed CLI.
	argv := execStart(t)
	socket := flagValue(t, argv, "--socket")
	if booted {
		run(t, "systemctl", "is-active", "espresso-helper.service")
	} else {
		helper = exec.Command(argv[0], argv[1:]...)
		var log bytes.Buffer
		helper.Stdout, helper.Stderr = &log, &log
		if err := helper.Start(); err != nil {
			t.Fatalf("starting %q: %v", argv, err)
		}
		t.Cleanup(func() {
			if t.Failed() {
				t.Logf("helper's output:\n%s", log.String())
			}
		})
	}
	waitStatus(t, socket)
	checkSocket(t, socket, g.Gid)
	vout := run(t, "/usr/bin/espressoctl", "--socket", socket, "version")
	if !strings.Contains(vout, "espresso-helper "+version+" ") || strings.Contains(vout, "differ") {
		t.Errorf("espressoctl version:\n%s", vout)
	}
	if helper != nil {
		stopHelper(t, helper)
	}

	if out, err := exec.Command("dpkg", "--purge", pkgName).CombinedOutput(); err != nil {
		t.Fatalf("dpkg --purge: %v\n%s", err, out)
	}
	if _, err := user.LookupGroup(group); err == nil {
		t.Errorf("group %s remains after the purge", group)
	}
	after := espressoPaths(t)
	for _, p := range after {
		if !slices.Contains(before, p) {
			t.Errorf("left after the purge: %s", p)
		}
	}
}

// checkFiles checks that every file the package should install is there,
// root-owned with its mode, and that the package installs nothing else.
func checkFiles(t *testing.T) {
	t.Helper()
	for p, mode := range installed {
		fi, err := os.Lstat(p)
		if err != nil {
			t.Errorf("missing: %v", err)
			continue
		}
		st := fi.Sys().(*syscall.Stat_t)
		if !fi.Mode().IsRegular() || fi.Mode().Perm() != mode || st.Uid != 0 || st.Gid != 0 {
			t.Errorf("%s: %v %d:%d, want a regular file %v root:root", p, fi.Mode(), st.Uid, st.Gid, mode)
		}
	}
	for p, want := range generated {
		b, err := os.ReadFile(p)
		if err != nil {
			continue // reported above
		}
		if strings.HasSuffix(p, ".gz") {
			zr, err := gzip.NewReader(bytes.NewReader(b))
			if err != nil {
				t.Errorf("%s: %v", p, err)
				continue
			}
			if b, err = io.ReadAll(zr); err != nil {
				t.Errorf("%s: %v", p, err)
				continue
			}
		}
		if !strings.Contains(string(b), want) {
			t.Errorf("%s lacks %q:\n%.300s", p, want, b)
		}
	}
	for _, p := range strings.Fields(run(t, "dpkg", "-L", pkgName)) {
		if isDir(p) {
			continue
		}
		if _, ok := installed[p]; !ok {
			t.Errorf("the package installs %s, which the test does not know", p)
		}
	}
}

// checkUnit runs systemd-analyze verify and security on the installed
// unit: the first must say nothing, the second must rate it OK or better.
func checkUnit(t *testing.T) {
	t.Helper()
	if _, err := exec.LookPath("systemd-analyze"); err != nil {
		t.Log("no systemd-analyze: unit not verified")
		return
	}
	if out, err := exec.Command("systemd-analyze", "verify", unitPath).CombinedOutput(); err != nil || len(bytes.TrimSpace(out)) != 0 {
		t.Errorf("systemd-analyze verify %s: %v\n%s", unitPath, err, out)
	}
	out := run(t, "systemd-analyze", "security", "--offline=true", "--no-pager", unitPath)
	m := regexp.MustCompile(`Overall exposure level for espresso-helper.service: ([0-9.]+) (\S+)`).FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("systemd-analyze security: no overall exposure level in\n%s", out)
	}
	score, err := strconv.ParseFloat(m[1], 64)
	if err != nil || score > 3.0 {
		t.Errorf("exposure level %s %s; the unit's sandbox should keep it at 3.0 or below (README: 2.8)", m[1], m[2])
	}
	t.Logf("systemd-analyze security: exposure %s %s", m[1], m[2])
}

// execStart returns the installed unit's ExecStart command.
func execStart(t *testing.T) []string {
	t.Helper()
	b, err := os.ReadFile(unitPath)
	if err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "ExecStart="); ok {
			argv := strings.Fields(v)
			if len(argv) == 0 || !filepath.IsAbs(argv[0]) {
				t.Fatalf("ExecStart=%s", v)
			}
			return argv
		}
	}
	t.Fatalf("%s has no ExecStart", unitPath)
	return nil
}

// flagValue returns the argument after name in argv.
func flagValue(t *testing.T, argv []string, name string) string {
	t.Helper()
	i := slices.Index(argv, name)
	if i < 0 || i+1 >= len(argv) {
		t.Fatalf("ExecStart %q has no %s", argv, name)
	}
	return argv[i+1]
}

// waitStatus waits until espressoctl status answers on socket.
func waitStatus(t *testing.T, socket string) {
	t.Helper()
	deadline := time.Now().Add(helperUp)
	for {
		out, err := exec.Command("/usr/bin/espressoctl", "--socket", socket, "status").CombinedOutput()
		if err == nil {
			t.Logf("espressoctl status: %s", bytes.TrimSpace(out))
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("the helper from the unit's ExecStart did not answer espressoctl status on %s within %v: %v\n%s", socket, helperUp, err, out)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// checkSocket checks that the API socket is root:espresso 0660.
func checkSocket(t *testing.T, socket, gid string) {
	t.Helper()
	fi, err := os.Lstat(socket)
	if err != nil {
		t.Fatal(err)
	}
	st := fi.Sys().(*syscall.Stat_t)
	if fi.Mode().Type() != fs.ModeSocket || fi.Mode().Perm() != 0o660 || st.Uid != 0 || strconv.Itoa(int(st.Gid)) != gid {
		t.Errorf("socket %s: %v %d:%d, want 0660 root:%s", socket, fi.Mode(), st.Uid, st.Gid, gid)
	}
}

// stopHelper stops the helper as systemd would, with SIGTERM.
func stopHelper(t *testing.T, helper *exec.Cmd) {
	t.Helper()
	if err := helper.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- helper.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("helper exit after SIGTERM: %v", err)
		}
	case <-time.After(helperDown):
		t.Fatalf("the helper did not exit within %v of SIGTERM", helperDown)
	}
}

// espressoPaths returns the paths under the system's directories whose
// name mentions Espresso or the .sswan MIME type: what the purge must
// take away again.
func espressoPaths(t *testing.T) []string {
	t.Helper()
	skip := []string{"/run/netns", "/run/user", "/var/tmp", "/var/cache", "/var/log", "/proc"}
	var out []string
	for _, root := range []string{"/etc", "/usr", "/var/lib", "/run"} {
		err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				if errors.Is(err, fs.ErrNotExist) || errors.Is(err, fs.ErrPermission) {
					return nil
				}
				return err
			}
			if d.IsDir() && slices.Contains(skip, p) {
				return filepath.SkipDir
			}
			if n := d.Name(); strings.Contains(n, "espresso") || strings.Contains(n, "vnd.strongswan.profile") {
				out = append(out, p)
			}
			return nil
		})
		if err != nil {
			t.Fatalf("walking %s: %v", root, err)
		}
	}
	return out
}

// findPackage returns the one file in the packages' directory matching
// pattern, or skips the test when there is no such directory.
func findPackage(t *testing.T, pattern string) string {
	t.Helper()
	dir := os.Getenv(DistEnv)
	if dir == "" {
		t.Skipf("%s is not set: run make package, then the test with %s=$PWD/dist (make test does both)", DistEnv, DistEnv)
	}
	m, err := filepath.Glob(filepath.Join(dir, pattern))
	if err != nil || len(m) != 1 {
		t.Fatalf("%s=%s: want one %s, found %q (%v)", DistEnv, dir, pattern, m, err)
	}
	return m[0]
}

// needRoot skips the test unless it runs as root with the commands.
func needRoot(t *testing.T, commands ...string) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("installing a package needs root")
	}
	for _, c := range commands {
		if _, err := exec.LookPath(c); err != nil {
			t.Skipf("no %s on this machine", c)
		}
	}
}

// run runs a command and returns its output, failing the test if it fails.
func run(t *testing.T, name string, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), commandTimeout)
	defer cancel()
	out, err := exec.CommandContext(ctx, name, args...).CombinedOutput()
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
	return string(out)
}

// isDir reports whether p is a directory.
func isDir(p string) bool {
	fi, err := os.Stat(p)
	return err == nil && fi.IsDir()
}
