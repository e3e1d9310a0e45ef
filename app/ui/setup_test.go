package ui

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"fyne.io/fyne/v2/test"

	"github.com/espressovpn/espresso/app/autostart"
	"github.com/espressovpn/espresso/app/setup"
	"github.com/espressovpn/espresso/app/watch"
)

// A helper that is installed but not running is offered to be installed
// and started; the command runs through the runner and the app picks the
// helper up once it listens.
func TestOfferToInstallAndStartHelper(t *testing.T) {
	fresh := setup.Install{HelperPath: "/usr/bin/espresso-helper", User: "alice"}
	h := newHarness(t, options{stopped: true, setup: Setup{GOOS: "linux", Install: fresh}})
	h.until("helper down shown", func() bool { return h.u.Problem().Problem == "The Espresso helper is not running" })
	b := h.u.main.banner
	if b.action.Text != "Install and start" {
		t.Fatalf("action = %q", b.action.Text)
	}
	h.runner.hook = h.fake.Start
	test.Tap(b.action)
	h.until("helper up", func() bool { return h.u.link == watch.LinkUp && h.shownState() == "Disconnected" })
	calls := h.runner.calls()
	if len(calls) != 1 || strings.Join(calls[0], " ") != `pkexec /usr/bin/espresso-helper setup --user alice` {
		t.Errorf("commands run = %q", calls)
	}
	if b.root.Visible() {
		t.Errorf("banner still shows %q", b.problem.Text)
	}
}

// FreeBSD has no graphical prompt: the app shows the command to run.
func TestFreeBSDShowsTheCommand(t *testing.T) {
	h := newHarness(t, options{stopped: true, setup: Setup{GOOS: "freebsd", Install: installedHelper}})
	h.until("helper down shown", func() bool { return h.u.main.banner.action.Text == "Show the command" })
	test.Tap(h.u.main.banner.action)
	if !hasText(h.overlay(h.u.win), "su root -c '/usr/bin/espresso-helper setup'") {
		t.Error("the dialog does not show the command")
	}
	if len(h.runner.calls()) != 0 {
		t.Error("a command ran on FreeBSD")
	}
}

// Without a helper executable there is nothing to start: the banner says
// so and offers no button.
func TestHelperNotInstalled(t *testing.T) {
	h := newHarness(t, options{stopped: true, setup: Setup{GOOS: "linux"}})
	h.until("not installed shown", func() bool {
		return h.u.Problem().Problem == "The Espresso helper is not installed on this computer"
	})
	if h.u.main.banner.action.Visible() {
		t.Errorf("action %q offered", h.u.main.banner.action.Text)
	}
}

// Removal asks first; once confirmed the profile goes and the window
// offers to add or import one.
func TestRemoveAsksFirst(t *testing.T) {
	h := newHarness(t, options{})
	h.until("work shown", func() bool { return h.shownState() == "Disconnected" })
	test.Tap(h.u.main.details.removeBtn)
	dlg := h.overlay(h.u.win)
	if !hasText(dlg, "The profile and the secrets stored with it are deleted.\nThis cannot be undone.") {
		t.Error("the confirmation does not say what is lost")
	}
	test.Tap(findButton(dlg, "Remove"))
	h.until("profile gone", func() bool { return len(h.u.conns) == 0 })
	if _, ok := h.fake.StoredProfile("work"); ok {
		t.Error("the helper still has the profile")
	}
	if !h.u.main.empty.Visible() || findButton(h.u.main.empty, "Import a file…") == nil {
		t.Error("the empty window offers no way to add a profile")
	}
}

// Import sends the file as it is, in the format its extension names, and
// asks before replacing a profile of the same name.
func TestImport(t *testing.T) {
	h := newHarness(t, options{})
	h.until("link up", func() bool { return h.shownState() == "Disconnected" })
	sswan := []byte(`{"uuid":"1","name":"Office VPN","type":"ikev2-eap","remote":{"addr":"vpn.example.com"},"local":{"eap_id":"alice"}}`)
	h.u.Import("office.sswan", sswan, false)
	h.until("imported and selected", func() bool { return h.u.selected == "Office-VPN" && h.shownState() == "Disconnected" })
	h.u.Import("office.sswan", sswan, false)
	h.until("replace asked", func() bool { return h.u.win.Canvas().Overlays().Top() != nil })
	dlg := h.overlay(h.u.win)
	test.Tap(findButton(dlg, "Replace"))
	h.until("replaced", func() bool { return len(h.fake.Imports()) == 3 })
	im := h.fake.Imports()
	if im[0].Format != "sswan" || im[0].Size != len(sswan) || im[1].Replace || !im[2].Replace {
		t.Errorf("imports = %+v", im)
	}
	if ImportFormat("work.JSON") != "espresso" || ImportFormat("x.SSWAN") != "sswan" {
		t.Error("format by extension")
	}
}

// A helper that a user could change is not offered to the administrator
// prompt: the banner names the unsafe path and nothing runs.
func TestUnsafeHelperRefused(t *testing.T) {
	unsafe := setup.Install{HelperPath: "/home/alice/bin/espresso-helper",
		Unsafe: &setup.UnsafeHelperError{Helper: "/home/alice/bin/espresso-helper", Path: "/home/alice", Reason: "is owned by user id 1000, not by root"}}
	h := newHarness(t, options{stopped: true, setup: Setup{GOOS: "linux", Install: unsafe}})
	h.until("helper down shown", func() bool { return h.u.Problem().Problem == "The Espresso helper is not running" })
	test.Tap(h.u.main.banner.action)
	h.until("refusal shown", func() bool {
		return strings.Contains(h.u.Problem().Problem, "is in /home/alice, which is owned by user id 1000")
	})
	if calls := h.runner.calls(); len(calls) != 0 {
		t.Errorf("commands run = %q", calls)
	}
}

// fakeAutostart is an autostart switch in memory.
type fakeAutostart struct{ on bool }

func (a *fakeAutostart) Enabled() bool            { return a.on }
func (a *fakeAutostart) SetEnabled(on bool) error { a.on = on; return nil }

// "Start at login" is in the tray menu, off until the user turns it on,
// and its check mark follows.
func TestStartAtLoginInTheTray(t *testing.T) {
	a := &fakeAutostart{}
	h := newHarness(t, options{autostart: a})
	h.until("tray lists work", func() bool { return h.tray.item("Connect work") != nil })
	if got := strings.Join(h.tray.labels(), "|"); got != "Connect work||Show Espresso|Start at login|Quit" {
		t.Errorf("tray menu = %q", got)
	}
	it := h.tray.item("Start at login")
	if it.Checked {
		t.Error("start at login is on before the user turned it on")
	}
	it.Action()
	if !a.on || !h.tray.item("Start at login").Checked {
		t.Errorf("after the click: on %v, checked %v", a.on, h.tray.item("Start at login").Checked)
	}
}

// "Start at login" drives the real XDG entry: the click writes it, the
// next removes it, and the check mark follows the file.
func TestStartAtLoginWritesAndRemovesTheEntry(t *testing.T) {
	dir := t.TempDir()
	entry := autostart.XDG(dir, "com.github.espressovpn.espresso", "/usr/bin/espresso")
	h := newHarness(t, options{autostart: entry})
	h.until("tray lists work", func() bool { return h.tray.item("Connect work") != nil })
	file := filepath.Join(dir, "autostart", "com.github.espressovpn.espresso.desktop")
	h.tray.item("Start at login").Action()
	if _, err := os.Stat(file); err != nil {
		t.Fatalf("no entry after turning it on: %v", err)
	}
	if !h.tray.item("Start at login").Checked {
		t.Error("the menu does not show it on")
	}
	h.tray.item("Start at login").Action()
	if _, err := os.Stat(file); !os.IsNotExist(err) {
		t.Errorf("entry still there after turning it off: %v", err)
	}
	if h.tray.item("Start at login").Checked {
		t.Error("the menu still shows it on")
	}

	// Written elsewhere (another session of the app): the menu reads the
	// state again when it is rebuilt.
	if err := entry.SetEnabled(true); err != nil {
		t.Fatal(err)
	}
	h.u.refreshTray()
	if !h.tray.item("Start at login").Checked {
		t.Error("the menu does not follow an entry written elsewhere")
	}
}

// A switch that cannot be written: the user reads why in the banner and
// the menu keeps showing the old state.
func TestStartAtLoginFailureShown(t *testing.T) {
	dir := t.TempDir()
	// A file where the autostart directory should be.
	if err := os.WriteFile(filepath.Join(dir, "autostart"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	h := newHarness(t, options{autostart: autostart.XDG(dir, "x", "/usr/bin/espresso")})
	h.until("tray lists work", func() bool { return h.tray.item("Connect work") != nil })
	h.tray.item("Start at login").Action()
	p := h.u.Problem()
	if !strings.Contains(p.Problem, "Could not change starting at login") || p.Next == "" {
		t.Errorf("banner = %+v", p)
	}
	if h.tray.item("Start at login").Checked {
		t.Error("the menu shows it on although writing failed")
	}
}
