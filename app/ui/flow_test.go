package ui

import (
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/espressovpn/espresso/app/internal/apitest"
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
// and in the notification: by its code, or for a helper that sends none,
// by its words.
func TestFailuresRenderedAsSentences(t *testing.T) {
	tests := []struct {
		profile string
		code    api.FailureCode
		fail    string
		problem string
		action  string
	}{
		// Helpers older than the codes: the words decide.
		{"office", "", "received AUTHENTICATION_FAILED notify", "The gateway rejected the password for alice", "Edit profile"},
		{"office", "", "gateway certificate not trusted: not signed by CA", "The gateway's certificate is not signed by the CA in this profile", "Edit profile"},
		{"office", "", "no response after 5 retransmits", "Nothing answers IKE at 203.0.113.5:500", ""},
		{"work", "", "AUTHENTICATION_FAILED", "The gateway rejected the pre-shared key", "Edit profile"},
		{"work", "", "received NO_PROPOSAL_CHOSEN", "The gateway accepts none of the algorithms this profile proposes", "Edit profile"},
		{"work", "", "lookup vpn.example.com: no such host", "The name vpn.example.com could not be found", "Edit profile"},
		{"work", "", "TS_UNACCEPTABLE", "The gateway refused the networks this profile asks to reach", "Edit profile"},
		{"work", "", "tun device busy", "The connection to vpn.example.com failed: tun device busy", "Show log"},
		// The code decides.
		{"office", api.FailureEAPRejected, "ike: the gateway rejected our EAP-MSCHAPv2 credentials: eap: authentication rejected: MSCHAPv2 error 691 (wrong user name or password)",
			"The gateway rejected the password for alice", "Edit profile"},
		{"office", api.FailureCertUntrusted, "ike: peer certificate refused: certificate not trusted: x509: unknown authority",
			"The gateway's certificate is not signed by the CA in this profile", "Edit profile"},
		{"office", api.FailurePeerUnreachable, "ike: no answer to IKE_SA_INIT after 5 transmissions", "Nothing answers IKE at 203.0.113.5:500", ""},
		{"work", api.FailureAuthLocal, "ike: the peer rejected our authentication: AUTHENTICATION_FAILED", "The gateway rejected the pre-shared key", "Edit profile"},
		{"work", api.FailureAuthGateway, "ike: the peer's authentication failed: a pre-shared key mismatch",
			"The gateway does not use the same pre-shared key as this profile", "Edit profile"},
		{"work", api.FailureCertExpired, "ike: peer certificate refused: certificate expired", "The gateway's certificate has expired", ""},
		{"work", api.FailureCertNotYetValid, "ike: peer certificate refused: certificate not yet valid", "The gateway's certificate is not valid yet", ""},
		{"work", api.FailureCertKeyUsage, "ike: peer certificate refused: certificate not valid for IKE authentication",
			"The gateway's certificate is not meant for VPN connections", ""},
		{"work", api.FailureIdentityMismatch, "ike: peer identity other.example.com, expected vpn.example.com",
			"The gateway did not prove the identity vpn.example.com", "Edit profile"},
		{"work", api.FailureNoProposal, "ike: no ESP proposal chosen", "The gateway accepts none of the algorithms this profile proposes", "Edit profile"},
		{"work", api.FailureTSUnacceptable, "ike: peer answered IKE_AUTH with TS_UNACCEPTABLE", "The gateway refused the networks this profile asks to reach", "Edit profile"},
		{"work", api.FailureConfigRefused, "ike: peer answered IKE_AUTH with INTERNAL_ADDRESS_FAILURE", "The gateway gave this computer no address in the VPN", ""},
		{"work", api.FailureDNS, "cannot resolve the gateway vpn.example.com: lookup vpn.example.com: no such host", "The name vpn.example.com could not be found", "Edit profile"},
		{"work", api.FailureTimeout, "the gateway did not complete the negotiation in time", "vpn.example.com did not finish setting up the connection in time", ""},
		{"work", api.FailureGatewayClosed, "ike: IKE SA deleted by the peer", "The gateway ended the connection", ""},
		{"work", api.FailureKillSwitch, "kill switch: nft: operation not permitted", "The kill switch could not block traffic outside the tunnel, so Espresso did not connect", "Show log"},
		{"work", api.FailureSystemConfig, "system configuration: platform: config dns: no resolver", "Espresso could not set up this computer for the tunnel", "Show log"},
		{"work", api.FailureUnavailable, "IKEv2 negotiation is not available in this build", "The Espresso helper on this computer cannot make VPN connections", ""},
		{"work", api.FailureInternal, "tun device busy", "The connection to vpn.example.com failed: tun device busy", "Show log"},
	}
	h := newHarness(t, options{profiles: []api.Profile{workProfile, officeProfile}})
	h.until("profiles read", func() bool { return len(h.u.profiles) == 2 })
	for _, tc := range tests {
		h.fake.SetOutcome(tc.profile, apitest.Outcome{Fail: tc.fail, Code: tc.code})
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
	h.fake.SetOutcome("office", apitest.Outcome{Fail: "AUTHENTICATION_FAILED"})
	h.u.Select("office")
	test.Tap(h.u.main.details.connectBtn)
	h.until("auth failure", func() bool { return h.u.Problem().Problem == "The gateway rejected the password for alice" })
	test.Tap(h.u.main.banner.action)
	if _, ok := h.u.editors["office"]; !ok {
		t.Error("Edit profile did not open the editor")
	}
	// Connecting again clears the failure once it succeeds.
	h.fake.SetOutcome("office", apitest.Outcome{Connected: apitest.DefaultConnected})
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

	h.fake.SetOutcome("work", apitest.Outcome{Hold: true, Connected: apitest.DefaultConnected})
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
}

// Without a tray the first close keeps the window open and says why,
// once: the user may keep it open or quit, and later closes quit.
func TestClosingWindowWithoutTray(t *testing.T) {
	for _, choice := range []string{"Keep open", "Quit"} {
		t.Run(choice, func(t *testing.T) {
			h := newHarness(t, options{noTray: true})
			h.u.Show()
			h.u.closeWindow()
			if h.quits != 0 {
				t.Fatal("the first close quit without saying why")
			}
			dlg := h.overlay(h.u.win)
			var text []string
			walk(dlg, func(o fyne.CanvasObject) {
				if l, ok := o.(*widget.Label); ok {
					text = append(text, l.Text)
				}
			})
			if all := strings.Join(text, " "); !strings.Contains(all, "No system tray") || !strings.Contains(all, "the helper keeps them up") {
				t.Errorf("the dialog says %q", all)
			}
			test.Tap(findButton(dlg, choice))
			want := 0
			if choice == "Quit" {
				want = 1
			}
			if h.quits != want {
				t.Fatalf("after %q: quits = %d", choice, h.quits)
			}
			if !h.app.Preferences().Bool(noTrayToldKey) {
				t.Error("not remembered that the user was told")
			}
			// Told once: the next close quits without a dialog.
			h.u.closeWindow()
			if h.quits != want+1 {
				t.Errorf("the second close did not quit: quits = %d", h.quits)
			}
			if top := h.u.win.Canvas().Overlays().Top(); top != nil {
				t.Error("the explanation came up a second time")
			}
		})
	}
}

// The helper restarting under the app: the banner says it is gone, the
// tray says so, and the watch stream comes back with the new state.
func TestHelperRestartsUnderTheApp(t *testing.T) {
	h := newHarness(t, options{setup: Setup{GOOS: "linux", Install: installedHelper}})
	h.until("work is shown", func() bool { return h.shownState() == "Disconnected" })
	test.Tap(h.u.main.details.connectBtn)
	// The watch stream can bring the new state before the connect request
	// has its answer: stopping the helper then would cut that request, and
	// the app would rightly say it could not talk to its helper.
	h.until("connected and the connect request answered", func() bool {
		return h.state("work") == api.StateConnected && h.helper.answered() == 1
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

// A reconnection shows its progress as the helper reports it: the attempt
// and the countdown in the details, the attempt and the reason in the tray
// menu, the reason in the notification; a failure after it lands in the
// banner.
func TestReconnectProgressShown(t *testing.T) {
	h := newHarness(t, options{})
	h.until("work is shown", func() bool { return h.shownState() == "Disconnected" })
	test.Tap(h.u.main.details.connectBtn)
	h.until("connected", func() bool { return h.shownState() == "Connected" })
	d := h.u.main.details
	if d.Value(rowReconnect) != "" {
		t.Errorf("reconnect row while connected: %q", d.Value(rowReconnect))
	}

	reason := "ike: no answer to INFORMATIONAL after 5 transmissions"
	next := h.clock().Add(8 * time.Second)
	if err := h.fake.Reconnecting("work", api.Reconnect{Attempt: 3, NextAt: &next, Reason: reason, ErrorCode: api.FailurePeerUnreachable}); err != nil {
		t.Fatal(err)
	}
	h.until("reconnecting", func() bool { return h.shownState() == "Reconnecting…" })
	if got := d.Value(rowReconnect); got != "Attempt 3 in 8s: Nothing answers IKE at vpn.example.com:500" {
		t.Errorf("details = %q", got)
	}
	if got := strings.Join(h.tray.labels(), "|"); got != "Disconnect work (reconnecting, attempt 3)|Nothing answers IKE at vpn.example.com:500||Show Espresso|Quit" {
		t.Errorf("tray menu = %q", got)
	}
	if it := h.tray.item("Nothing answers IKE at vpn.example.com:500"); it == nil || !it.Disabled {
		t.Error("the reason in the tray menu can be clicked")
	}
	if h.tray.icon != icons.TrayConnecting {
		t.Errorf("tray icon = %s", h.tray.icon.Name())
	}
	if n := h.app.lastNote(); n.Title != "Reconnecting work" || !strings.HasPrefix(n.Content, "Nothing answers IKE at vpn.example.com:500.") {
		t.Errorf("notification = %+v", n)
	}

	// The countdown follows the clock without a request, and without
	// rebuilding the tray menu.
	menus := h.tray.menus
	h.advance(3 * time.Second)
	h.tick()
	h.until("countdown", func() bool {
		return d.Value(rowReconnect) == "Attempt 3 in 5s: Nothing answers IKE at vpn.example.com:500"
	})
	if h.tray.menus != menus {
		t.Error("the countdown rebuilt the tray menu")
	}

	// The attempt under way, then a reason only words describe.
	if err := h.fake.Reconnecting("work", api.Reconnect{Attempt: 4, Reason: reason, ErrorCode: api.FailurePeerUnreachable}); err != nil {
		t.Fatal(err)
	}
	h.until("attempt 4", func() bool { return h.tray.item("Disconnect work (reconnecting, attempt 4)") != nil })
	if got := d.Value(rowReconnect); got != "Attempt 4 under way: Nothing answers IKE at vpn.example.com:500" {
		t.Errorf("details while dialing = %q", got)
	}
	later := h.clock().Add(20 * time.Second)
	if err := h.fake.Reconnecting("work", api.Reconnect{Attempt: 5, NextAt: &later, Reason: "route to the gateway vanished", ErrorCode: api.FailureInternal}); err != nil {
		t.Fatal(err)
	}
	h.until("attempt 5", func() bool { return h.tray.item("Disconnect work (reconnecting, attempt 5)") != nil })
	if got := d.Value(rowReconnect); got != "Attempt 5 in 20s: The connection to vpn.example.com failed: route to the gateway vanished" {
		t.Errorf("details, uncoded reason = %q", got)
	}

	// Giving up is a failure like any other.
	h.fake.Drop("work", "ike: the peer rejected our authentication: AUTHENTICATION_FAILED")
	h.until("failed", func() bool { return h.shownState() == "Failed" })
	if got := h.u.Problem().Problem; got != "The gateway rejected the pre-shared key" {
		t.Errorf("banner = %q", got)
	}
	if n := h.app.lastNote(); n.Title != "Connection work lost" {
		t.Errorf("notification = %+v", n)
	}
	if d.Value(rowReconnect) != "" || h.tray.item("Nothing answers IKE at vpn.example.com:500") != nil {
		t.Error("the reconnection's progress outlived it")
	}
}

// An always-on connection's details say that the helper keeps it up, or
// why it is down.
func TestAlwaysOnShownInDetails(t *testing.T) {
	h := newHarness(t, options{})
	h.until("work is shown disconnected", func() bool { return h.u.selected == "work" && h.shownState() == "Disconnected" })
	d := h.u.main.details
	if d.Value(rowAlwaysOn) != "" {
		t.Error("always-on row shown for a profile that is not")
	}
	if err := h.fake.Standby("work", "on trusted network prefix:192.0.2.0/24"); err != nil {
		t.Fatal(err)
	}
	h.until("the reason is shown", func() bool { return d.Value(rowAlwaysOn) == "Down: on trusted network prefix:192.0.2.0/24" })
}
