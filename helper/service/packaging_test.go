package service

import (
	"bufio"
	"bytes"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
)

// The packages' service definitions live in packaging/ at the
// repository's root (README, "Installing"). These tests lay out the macOS
// and FreeBSD packages with their build scripts' --stage-only mode, which
// runs anywhere, and compare the result with testdata/*.golden; run
// `go test ./helper/service -run Package -update` to accept a change.

var update = flag.Bool("update", false, "rewrite the golden files")

const repoRoot = "../.."

// goldenVersion is the version the staged packages are given.
const goldenVersion = "1.2.3"

func TestDarwinPackageLayout(t *testing.T) {
	dir := stage(t, "darwin", map[string]string{
		"ESPRESSO_APP": fakeBundle(t),
	})
	golden(t, "darwin-layout.golden", layout(t, dir))
	golden(t, "darwin-helper.plist.golden", read(t, dir, "root/Library/LaunchDaemons/org.espressovpn.helper.plist"))
	golden(t, "darwin-postinstall.golden", read(t, dir, "scripts/postinstall"))
	golden(t, "darwin-distribution.xml.golden", read(t, dir, "distribution.xml"))

	plist := read(t, dir, "root/Library/LaunchDaemons/org.espressovpn.helper.plist")
	for _, s := range []string{
		"<string>org.espressovpn.helper</string>",
		"<string>/Library/PrivilegedHelperTools/espresso-helper</string>",
		"<key>KeepAlive</key>\n\t<true/>",
		"<key>RunAtLoad</key>\n\t<true/>",
	} {
		if !strings.Contains(plist, s) {
			t.Errorf("launchd job lacks %q", s)
		}
	}
	if !strings.Contains(read(t, dir, "distribution.xml"), `version="`+goldenVersion+`"`) {
		t.Error("distribution.xml does not carry the version")
	}
}

func TestFreeBSDPackageLayout(t *testing.T) {
	dir := stage(t, "freebsd", map[string]string{"ESPRESSO_APP": fakeBinary(t, "espresso")})
	golden(t, "freebsd-layout.golden", layout(t, dir))
	golden(t, "freebsd-manifest.golden", read(t, dir, "+MANIFEST"))
	golden(t, "freebsd-rc.golden", read(t, dir, "root/usr/local/etc/rc.d/espresso_helper"))

	rc := read(t, dir, "root/usr/local/etc/rc.d/espresso_helper")
	for _, s := range []string{"rcvar=espresso_helper_enable", `: ${espresso_helper_enable:="NO"}`, " -S ", "/usr/local/bin/espresso-helper run"} {
		if !strings.Contains(rc, s) {
			t.Errorf("rc.d script lacks %q", s)
		}
	}
	if strings.Contains(rc, "/dev/null") {
		t.Error("rc.d script sends the helper's output to /dev/null, not syslog")
	}
	if !strings.Contains(read(t, dir, "+MANIFEST"), `version: "`+goldenVersion+`"`) {
		t.Error("+MANIFEST does not carry the version")
	}
}

// The unit the Linux packages install runs the helper exactly as Config
// describes it with the default paths.
func TestSystemdUnitMatchesConfig(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("the default paths are Linux's only on Linux")
	}
	b, err := os.ReadFile(filepath.Join(repoRoot, "packaging/linux/espresso-helper.service"))
	if err != nil {
		t.Fatal(err)
	}
	c := Config("/usr/bin/espresso-helper", Default)
	want := "ExecStart=" + c.Executable + " " + strings.Join(c.Arguments, " ")
	lines := strings.Split(string(b), "\n")
	if !slices.Contains(lines, want) {
		t.Errorf("packaging/linux/espresso-helper.service lacks %q", want)
	}
	for _, l := range []string{"Restart=always", fmt.Sprintf("RestartSec=%d", RestartDelaySeconds),
		"Before=network-pre.target", "Wants=network-pre.target", "ProtectSystem=strict", "NoNewPrivileges=yes"} {
		if !slices.Contains(lines, l) {
			t.Errorf("unit lacks %q", l)
		}
	}
}

// stage runs packaging/GOOS/build-pkg.sh --stage-only with fake binaries
// and returns the directory it laid out.
func stage(t *testing.T, goos string, env map[string]string) string {
	t.Helper()
	if _, err := exec.LookPath("sh"); err != nil {
		t.Skip("no sh")
	}
	dir := filepath.Join(t.TempDir(), "stage")
	cmd := exec.Command("sh", filepath.Join(repoRoot, "packaging", goos, "build-pkg.sh"), "--stage-only", dir)
	cmd.Env = append(os.Environ(), "ESPRESSO_VERSION="+goldenVersion,
		"ESPRESSO_HELPER="+fakeBinary(t, "espresso-helper"), "ESPRESSO_CTL="+fakeBinary(t, "espressoctl"))
	for k, v := range env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("build-pkg.sh --stage-only: %v\n%s", err, out)
	}
	return dir
}

// fakeBinary writes a stand-in for a binary.
func fakeBinary(t *testing.T, name string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte("#!/bin/sh\necho "+name+"\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	return p
}

// fakeBundle writes a stand-in for the Espresso.app fyne package makes.
func fakeBundle(t *testing.T) string {
	t.Helper()
	app := filepath.Join(t.TempDir(), "Espresso.app")
	for p, f := range map[string]struct {
		content string
		mode    os.FileMode
	}{
		"Contents/Info.plist":          {"<plist/>\n", 0o644},
		"Contents/MacOS/espresso":      {"#!/bin/sh\n", 0o755},
		"Contents/Resources/icon.icns": {"icns\n", 0o644},
	} {
		p = filepath.Join(app, p)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(f.content), f.mode); err != nil {
			t.Fatal(err)
		}
	}
	return app
}

// layout lists every file and directory under dir with its mode, one a
// line, sorted; what each file holds is not part of it.
func layout(t *testing.T, dir string) string {
	t.Helper()
	var lines []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || p == dir {
			return err
		}
		fi, err := d.Info()
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		lines = append(lines, fmt.Sprintf("%v %s", fi.Mode(), filepath.ToSlash(rel)))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	slices.SortFunc(lines, func(a, b string) int { return strings.Compare(a[11:], b[11:]) })
	return strings.Join(lines, "\n") + "\n"
}

func read(t *testing.T, dir, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, name))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// golden compares got with testdata/name, or rewrites it with -update.
func golden(t *testing.T, name, got string) {
	t.Helper()
	p := filepath.Join("testdata", name)
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(p)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if string(want) != got {
		t.Errorf("%s differs from the golden file; diff:\n%s\n(run with -update to accept)", name, lineDiff(string(want), got))
	}
}

// lineDiff lists the lines only in want (-) and only in got (+).
func lineDiff(want, got string) string {
	var buf bytes.Buffer
	in := func(s string) map[string]bool {
		m := map[string]bool{}
		sc := bufio.NewScanner(strings.NewReader(s))
		for sc.Scan() {
			m[sc.Text()] = true
		}
		return m
	}
	w, g := in(want), in(got)
	for _, l := range strings.Split(want, "\n") {
		if !g[l] {
			fmt.Fprintf(&buf, "- %s\n", l)
		}
	}
	for _, l := range strings.Split(got, "\n") {
		if !w[l] {
			fmt.Fprintf(&buf, "+ %s\n", l)
		}
	}
	return buf.String()
}
