package install

import (
	"os/exec"
	"slices"
	"strings"
	"testing"
)

// TestLintianFindsNoErrors runs lintian on the .deb. Its warnings are
// listed in the README with the reason each is kept.
func TestLintianFindsNoErrors(t *testing.T) {
	deb := findPackage(t, "espresso_*_amd64.deb")
	if _, err := exec.LookPath("lintian"); err != nil {
		t.Skip("no lintian on this machine (make deps installs it)")
	}
	// lintian exits non-zero for errors; read its report rather than the
	// status, so that the test names them.
	out, _ := exec.Command("lintian", "--no-tag-display-limit", deb).CombinedOutput()
	var warnings []string
	for _, line := range strings.Split(string(out), "\n") {
		switch {
		case strings.HasPrefix(line, "E: "):
			t.Errorf("lintian: %s", line)
		case strings.HasPrefix(line, "W: "):
			warnings = append(warnings, line)
		}
	}
	t.Logf("lintian warnings:\n%s", strings.Join(warnings, "\n"))
}

// TestRPMHasTheDebsFiles compares the files of the .rpm with those of the
// .deb: the two packages install the same.
func TestRPMHasTheDebsFiles(t *testing.T) {
	deb := findPackage(t, "espresso_*_amd64.deb")
	rpm := findPackage(t, "espresso-*.x86_64.rpm")
	for _, c := range []string{"rpm", "dpkg-deb"} {
		if _, err := exec.LookPath(c); err != nil {
			t.Skipf("no %s on this machine (make deps installs it)", c)
		}
	}
	// dpkg-deb -c: "-rwxr-xr-x root/root 123 2026-01-01 00:00 ./usr/bin/x"
	var debFiles []string
	for _, line := range strings.Split(run(t, "dpkg-deb", "-c", deb), "\n") {
		f := strings.Fields(line)
		if len(f) < 6 || !strings.HasPrefix(f[0], "-") {
			continue // directories and the blank last line
		}
		debFiles = append(debFiles, strings.TrimPrefix(f[5], "."))
	}
	rpmFiles := strings.Fields(run(t, "rpm", "-qlp", rpm))
	slices.Sort(debFiles)
	slices.Sort(rpmFiles)
	if !slices.Equal(debFiles, rpmFiles) {
		t.Errorf("the packages' files differ:\n.deb: %q\n.rpm: %q", debFiles, rpmFiles)
	}
	if len(debFiles) != len(installed) {
		t.Errorf("the .deb has %d files, the install test knows %d", len(debFiles), len(installed))
	}
	// The scriptlets are the maintainer scripts.
	scripts := run(t, "rpm", "-qp", "--scripts", rpm)
	for _, s := range []string{"postinstall scriptlet", "preuninstall scriptlet", "postuninstall scriptlet", "systemctl enable"} {
		if !strings.Contains(scripts, s) {
			t.Errorf("rpm --scripts lacks %q:\n%s", s, scripts)
		}
	}
}
