package ui

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"fyne.io/fyne/v2/test"

	"github.com/espressovpn/espresso/app/internal/apitest"
	"github.com/espressovpn/espresso/helper/api"
)

// TestLogViewDebugLevel: the log window's check raises the helper's log
// level; refused (not root), the check goes back and the window says how
// to do it in a terminal.
func TestLogViewDebugLevel(t *testing.T) {
	h := newHarness(t, options{})
	h.u.ShowLog()
	v := h.u.logs
	h.until("the level read", func() bool { return v.levelRead })
	if v.debug.Checked {
		t.Error("the check is on at info level")
	}
	test.Tap(v.debug)
	h.until("the level raised", func() bool {
		return h.fake.LogLevel() == api.LevelDebug && strings.Contains(v.note.Text, "now logs each IKE message")
	})
	if !v.debug.Checked {
		t.Error("the check is off at debug level")
	}

	h.fake.RefuseLogLevel(true)
	test.Tap(v.debug)
	h.until("the refusal explained", func() bool { return strings.Contains(v.note.Text, "Only root may") })
	if !v.debug.Checked || h.fake.LogLevel() != api.LevelDebug {
		t.Errorf("after a refusal: check %v, level %s", v.debug.Checked, h.fake.LogLevel())
	}
	if !strings.Contains(v.note.Text, "sudo espressoctl log-level info") {
		t.Errorf("note %q", v.note.Text)
	}

	// A window opened at debug level shows the check on.
	v.win.Close()
	h.u.ShowLog()
	h.until("the level read again", func() bool { return h.u.logs.levelRead })
	if !h.u.logs.debug.Checked {
		t.Error("a window opened at debug level shows the check off")
	}
}

// TestLogViewSavesDiagnostics: "Save diagnostics…" asks where, and the
// bundle written there holds the profile with its secret as "stored".
func TestLogViewSavesDiagnostics(t *testing.T) {
	h := newHarness(t, options{})
	h.fake.Log(api.LevelInfo, "work", "connecting to vpn.example.com")
	h.u.ShowLog()
	v := h.u.logs
	test.Tap(v.saveBtn)
	if v.win.Canvas().Overlays().Top() == nil {
		t.Fatal("no dialog asks where to save")
	}

	path := filepath.Join(t.TempDir(), "bundle.tar.gz")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	v.saveTo("bundle.tar.gz", path, f)
	h.until("saved", func() bool { return strings.HasPrefix(v.note.Text, "Saved the diagnostics to bundle.tar.gz") })
	if fi, err := os.Stat(path); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("bundle file: %v, mode %v", err, fi.Mode())
	}
	files := readBundleFile(t, path)
	var profile, log string
	for name, data := range files {
		switch {
		case strings.HasSuffix(name, "/profiles/work.json"):
			profile = data
		case strings.HasSuffix(name, "/log.txt"):
			log = data
		}
		if strings.Contains(data, workProfile.PSK) {
			t.Errorf("%s holds the PSK", name)
		}
	}
	if !strings.Contains(profile, `"psk": "stored"`) || !strings.Contains(log, "[work] connecting to vpn.example.com") {
		t.Errorf("profile:\n%s\nlog:\n%s", profile, log)
	}
}

// TestLogViewSavesWithoutHelper: with the helper gone the bundle is saved
// all the same, and the window says what it lacks.
func TestLogViewSavesWithoutHelper(t *testing.T) {
	h := newHarness(t, options{})
	h.u.ShowLog()
	v := h.u.logs
	h.fake.Stop()
	path := filepath.Join(t.TempDir(), "bundle.tar.gz")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	v.saveTo("bundle.tar.gz", path, f)
	h.until("saved", func() bool {
		return strings.HasPrefix(v.note.Text, "Saved the diagnostics to bundle.tar.gz without the helper's part")
	})
	found := false
	for name := range readBundleFile(t, path) {
		found = found || strings.HasSuffix(name, "/helper-error.txt")
	}
	if !found {
		t.Error("the bundle does not say why it lacks the helper's part")
	}
}

// TestLogViewTapBeforeLevelRead: the helper's level, read as the window
// opens, does not undo a change the user made before it came.
func TestLogViewTapBeforeLevelRead(t *testing.T) {
	h := newHarness(t, options{})
	h.u.ShowLog()
	v := h.u.logs
	test.Tap(v.debug)
	h.until("the level raised", func() bool { return v.levelRead && h.fake.LogLevel() == api.LevelDebug && v.note.Text != "" })
	if !v.debug.Checked {
		t.Error("the level read at opening unchecked the user's choice")
	}
}

// readBundleFile returns the files of the bundle saved at path.
func readBundleFile(t *testing.T, path string) map[string]string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	return apitest.ReadBundle(t, f)
}
