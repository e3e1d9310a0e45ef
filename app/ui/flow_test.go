package ui

import (
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2/test"

	"github.com/espressovpn/espresso/app/internal/fakehelper"
	"github.com/espressovpn/espresso/app/internal/icons"
	"github.com/espressovpn/espresso/app/setup"
	"github.com/espressovpn/espresso/app/watch"
	"github.com/espressovpn/espresso/helper/api"
)

func TestConnectAndDisconnect(t *testing.T) {
	h := newHarness(t, options{})
	h.until("work is shown disconnected", func() bool { return h.u.selected == "work" && h.shownState() == "Disconnected" })
	d := h.u.main.details
	if d.connectBtn.Text != "Connect" {
		t.Fatalf("button = %q", d.connectBtn.Text)
	}

	test.Tap(d.connectBtn)
	h.until("work is connected", func() bool { return h.shownState() == "Connected" })
	if d.connectBtn.Text != "Disconnect" {
		t.Errorf("button while connected = %q", d.connectBtn.Text)
	}
	for row, want := range map[string]string{
		rowGateway:    "vpn.example.com",
		rowVirtualIPs: "198.51.100.10",
		rowDNS:        "198.51.100.1",
		rowIKE:        "aes256gcm16-prfsha384-x25519",
		rowESP:        "aes256gcm16-noesn",
		rowNAT:        "None detected; ESP in UDP",
		rowNetworks:   "0.0.0.0/0",
		rowUptime:     "0s",
	} {
		if got := d.Value(row); got != want {
			t.Errorf("%s = %q, want %q", row, got, want)
		}
	}
	if n := h.app.lastNote(); n.Title != "Connected to work" || !strings.Contains(n.Content, "198.51.100.10") {
		t.Errorf("notification = %+v", n)
	}

	// Traffic: counters read on each tick feed the details and the graph.
	h.tick()
	h.until("a first reading", func() bool { return h.u.history["work"] != nil })
	if err := h.fake.SetTraffic("work", 1_250_000, 250_000); err != nil {
		t.Fatal(err)
	}
	h.advance(10 * time.Second)
	h.tick()
	h.until("a rate", func() bool { return len(h.u.history["work"].Samples(h.clock())) == 1 })
	if got := d.Value(rowReceived); got != "1.25 MB in 1250 packets" {
		t.Errorf("received = %q", got)
	}
	if got := d.Value(rowUptime); got != "10s" {
		t.Errorf("uptime = %q", got)
	}
	if got := d.graph.Legend(); got != "↓ 1.00 Mbit/s   ↑ 200 kbit/s" {
		t.Errorf("graph legend = %q", got)
	}

	test.Tap(d.connectBtn)
	h.until("work is disconnected", func() bool { return h.shownState() == "Disconnected" })
	if d.Value(rowVirtualIPs) != "" || d.graphBox.Visible() {
		t.Error("details of the finished tunnel still shown")
	}
	if n := h.app.lastNote(); n.Title != "Disconnected from work" {
		t.Errorf("notification = %+v", n)
	}
}

// Each failure the helper reports is shown as its sentence, in the banner
// and in the notification.
func TestFailuresRenderedAsSentences(t *testing.T) {
	tests := []struct {
		profile string
		fail    string
		problem string
		action  string
	}{
		{"office", "received AUTHENTICATION_FAILED notify", "The gateway rejected the password for alice", "Edit profile"},
		{"office", "gateway certificate not trusted: not signed by CA", "The gateway's certificate is not signed by the CA in this profile", "Edit profile"},
		{"office", "no response after 5 retransmits", "No answer from 203.0.113.5 on UDP 500", ""},
		{"work", "AUTHENTICATION_FAILED", "The gateway rejected the pre-shared key", "Edit profile"},
		{"work", "received NO_PROPOSAL_CHOSEN", "The gateway accepts none of the algorithms this profile proposes", "Edit profile"},
		{"work", "lookup vpn.example.com: no such host", "The name vpn.example.com could not be found", "Edit profile"},
		{"work", "TS_UNACCEPTABLE", "The gateway refused the networks this profile asks to reach", "Edit profile"},
		{"work", "tun device busy", "The connection to vpn.example.com failed: tun device busy", "Show log"},
	}
	h := newHarness(t, options{profiles: []api.Profile{workProfile, officeProfile}})
	h.until("profiles read", func() bool { return len(h.u.profiles) == 2 })
	for _, tc := range tests {
		h.fake.SetOutcome(tc.profile, fakehelper.Outcome{Fail: tc.fail})
		h.u.Select(tc.profile)
		test.Tap(h.u.main.details.connectBtn)
		h.until(tc.fail+" shown", func() bool { return h.u.Problem().Problem == tc.problem })
		b := h.u.main.banner
		if b.problem.Text != tc.problem || b.next.Text == "" || !b.root.Visible() {
			t.Errorf("%s: banner = %q / %q", tc.fail, b.problem.Text, b.next.Text)
		}
		if got := findButton(b.root, tc.action); tc.action != "" && got == nil {
			t.Errorf("%s: no %q button", tc.fail, tc.action)
		}
		if tc.action == "" && b.action.Visible() {
			t.Errorf("%s: unexpected action %q", tc.fail, b.action.Text)
		}
		if n := h.app.lastNote(); n.Title != "Could not connect "+tc.profile || !strings.HasPrefix(n.Content, tc.problem+".") {
			t.Errorf("%s: notification = %+v", tc.fail, n)
		}
		if got := h.u.main.details.Value(rowLastError); got != tc.fail {
			t.Errorf("last error row = %q", got)
		}
	}
	// The Edit button of a failure opens that profile's editor.
	h.fake.SetOutcome("office", fakehelper.Outcome{Fail: "AUTHENTICATION_FAILED"})
	h.u.Select("office")
	test.Tap(h.u.main.details.connectBtn)
	h.until("auth failure", func() bool { return h.u.Problem().Problem == "The gateway rejected the password for alice" })
	test.Tap(h.u.main.banner.action)
	if _, ok := h.u.editors["office"]; !ok {
		t.Error("Edit profile did not open the editor")
	}
	// Connecting again clears the failure once it succeeds.
	h.fake.SetOutcome("office", fakehelper.Outcome{Connected: fakehelper.DefaultConnected})
	test.Tap(h.u.main.details.connectBtn)
	h.until("connected", func() bool { return h.state("office") == api.StateConnected })
	if h.u.main.banner.root.Visible() {
		t.Errorf("banner still shows %q", h.u.main.banner.problem.Text)
	}
}

// A profile without a stored password asks for one, and the password goes
// with the connect request only.
func TestConnectAsksForMissingPassword(t *testing.T) {
	noPW := officeProfile
	noPW.Password = ""
	h := newHarness(t, options{profiles: []api.Profile{noPW}})
	h.until("profile read", func() bool { _, ok := h.u.profiles["office"]; return ok })
	test.Tap(h.u.main.details.connectBtn)
	dlg := h.overlay(h.u.win)
	var pw = findEntry(dlg)
	if pw == nil {
		t.Fatal("no password entry in the dialog")
	}
	test.Type(pw, "s3cret")
	test.Tap(findButton(dlg, "Connect"))
	h.until("connected", func() bool { return h.state("office") == api.StateConnected })
	if p, _ := h.fake.StoredProfile("office"); p.Password != "" {
		t.Error("the one-time password was stored")
	}
}

func TestTrayFollowsStates(t *testing.T) {
	h := newHarness(t, options{})
	h.until("tray lists work", func() bool { return h.tray.item("Connect work") != nil })
	if h.tray.icon != icons.TrayDisconnected {
		t.Errorf("icon = %v", h.tray.icon.Name())
	}
	if got := strings.Join(h.tray.labels(), "|"); got != "Connect work||Show Espresso|Quit" {
		t.Errorf("menu = %q", got)
	}
	if q := h.tray.item("Quit"); q == nil || !q.IsQuit {
		t.Error("Quit is not the quit item")
	}

	h.fake.SetOutcome("work", fakehelper.Outcome{Hold: true, Connected: fakehelper.DefaultConnected})
	h.tray.item("Connect work").Action()
	h.until("connecting icon", func() bool { return h.tray.icon == icons.TrayConnecting })
	if h.tray.item("Disconnect work (connecting)") == nil {
		t.Errorf("menu while connecting = %q", h.tray.labels())
	}
	if err := h.fake.Complete("work"); err != nil {
		t.Fatal(err)
	}
	h.until("connected icon", func() bool { return h.tray.icon == icons.TrayConnected })
	it := h.tray.item("Disconnect work (connected)")
	if it == nil || !it.Checked {
		t.Fatalf("menu while connected = %q", h.tray.labels())
	}
	menus := h.tray.menus
	h.tick() // counters change nothing the tray shows
	h.until("tick handled", func() bool { return h.u.history["work"] != nil })
	if h.tray.menus != menus {
		t.Error("the tray menu was rebuilt without a change")
	}
	it.Action()
	h.until("disconnected icon", func() bool { return h.tray.icon == icons.TrayDisconnected })

	h.tray.item("Quit").Action()
	if h.quits != 1 {
		t.Errorf("quit called %d times", h.quits)
	}
}

func TestClosingWindowLeavesTray(t *testing.T) {
	h := newHarness(t, options{})
	h.u.Show()
	h.u.closeWindow()
	if h.quits != 0 {
		t.Error("closing the window quit the app although a tray is there")
	}
	h.tray.item("Show Espresso").Action()

	noTray := newHarness(t, options{noTray: true})
	noTray.u.closeWindow()
	if noTray.quits != 1 {
		t.Error("without a tray, closing the window did not quit")
	}
}

// The helper restarting under the app: the banner says it is gone, the
// tray says so, and the watch stream comes back with the new state.
func TestHelperRestartsUnderTheApp(t *testing.T) {
	h := newHarness(t, options{setup: Setup{GOOS: "linux", Install: installedHelper}})
	h.until("connected", func() bool {
		if h.state("work") == api.StateDisconnected {
			test.Tap(h.u.main.details.connectBtn)
			h.fake.SetOutcome("work", fakehelper.Outcome{Connected: fakehelper.DefaultConnected})
		}
		return h.state("work") == api.StateConnected
	})
	h.fake.Stop()
	h.until("helper down shown", func() bool { return h.u.Problem().Problem == "The Espresso helper is not running" })
	if h.u.main.banner.action.Text != "Start helper" || h.u.main.banner.dismiss.Visible() {
		t.Errorf("banner action = %q, dismiss visible = %v", h.u.main.banner.action.Text, h.u.main.banner.dismiss.Visible())
	}
	if h.tray.item("Helper not running") == nil || h.tray.icon != icons.TrayDisconnected {
		t.Errorf("tray while down: %q", h.tray.labels())
	}
	h.fake.Reset()
	if err := h.fake.Start(); err != nil {
		t.Fatal(err)
	}
	h.until("back with the new state", func() bool { return h.u.link == watch.LinkUp && h.shownState() == "Disconnected" })
	if h.u.main.banner.root.Visible() {
		t.Errorf("banner still shows %q", h.u.main.banner.problem.Text)
	}
	test.Tap(h.u.main.details.connectBtn)
	h.until("connected again", func() bool { return h.shownState() == "Connected" })
}

var installedHelper = setup.Install{HelperPath: "/usr/bin/espresso-helper", Installed: true}
