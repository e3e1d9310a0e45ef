package ui

import (
	"strings"
	"testing"

	"fyne.io/fyne/v2/test"

	"github.com/espressovpn/espresso/app/form"
	"github.com/espressovpn/espresso/helper/api"
)

func TestEditorValidatesAsYouType(t *testing.T) {
	h := newHarness(t, options{})
	h.until("link up", func() bool { return h.shownState() == "Disconnected" })
	h.u.OpenEditor("")
	e := h.u.editors[""]
	shown := func(key string) string {
		if !e.errs[key].Visible() {
			return ""
		}
		return e.errs[key].Text
	}

	if !e.save.Disabled() || shown("name") != "Name: enter a name for this connection" {
		t.Fatalf("empty form: save enabled=%v, name error %q", !e.save.Disabled(), shown("name"))
	}
	test.Type(e.entries["name"], "lab")
	if shown("name") != "" {
		t.Errorf("valid name still flagged: %q", shown("name"))
	}
	test.Type(e.entries["gateway"], "vpn example")
	if got := shown("gateway"); got != `Gateway: "vpn example" is neither a host name nor an IP address` {
		t.Errorf("gateway error = %q", got)
	}
	e.entries["gateway"].SetText("192.0.2.7")
	if shown("gateway") != "" {
		t.Errorf("gateway still flagged: %q", shown("gateway"))
	}
	if !strings.HasPrefix(shown("psk"), "Pre-shared key:") || !e.save.Disabled() {
		t.Errorf("missing PSK: %q", shown("psk"))
	}
	test.Type(e.entries["psk"], "a long pre-shared key")
	test.Type(e.entries["ike_proposals"], "aes256-foo-x25519")
	if got := shown("ike_proposals"); got != `IKE proposals: line 1: "foo": unknown or unsupported algorithm` {
		t.Errorf("proposal error = %q", got)
	}
	if e.status.Text != shown("ike_proposals") || !e.save.Disabled() {
		t.Errorf("status = %q, save enabled = %v", e.status.Text, !e.save.Disabled())
	}
	e.entries["ike_proposals"].SetText("aes256gcm16-prfsha384-ecp384")
	test.Type(e.entries["remote_ts"], "198.51.100.0/24\n10.1.2.3/8")
	if got := shown("remote_ts"); got != "Networks through the tunnel: line 2: did you mean 10.0.0.0/8?" {
		t.Errorf("selector error = %q", got)
	}
	e.entries["remote_ts"].SetText("198.51.100.0/24\n10.0.0.0/8")
	test.Type(e.entries["mtu"], "1300")

	// Switching the method shows its fields and hides the others.
	e.auth.SetSelected("User name and password (EAP-MSCHAPv2)")
	if e.rows["psk"][1].Visible() || !e.rows["username"][1].Visible() || !strings.HasPrefix(shown("username"), "User name:") {
		t.Errorf("after choosing EAP: psk visible %v, username visible %v, error %q", e.rows["psk"][1].Visible(), e.rows["username"][1].Visible(), shown("username"))
	}
	e.auth.SetSelected("Pre-shared key")
	if e.save.Disabled() {
		t.Fatalf("valid form cannot be saved: %q", e.status.Text)
	}
	test.Tap(e.save)
	h.until("saved and closed", func() bool { _, open := h.u.editors[""]; return !open })
	p, ok := h.fake.StoredProfile("lab")
	if !ok || p.PSK != "a long pre-shared key" || p.MTU != 1300 || strings.Join(p.RemoteTS, ",") != "198.51.100.0/24,10.0.0.0/8" ||
		p.IKEProposals[0] != "aes256gcm16-prfsha384-ecp384" {
		t.Errorf("stored: ok=%v mtu=%d ts=%v ike=%v psk matches=%v", ok, p.MTU, p.RemoteTS, p.IKEProposals, p.PSK == "a long pre-shared key")
	}
	h.until("lab selected", func() bool { return h.u.selected == "lab" && h.shownState() == "Disconnected" })
}

// Editing keeps the stored secret without showing it; a helper's
// objection lands under its field.
func TestEditorKeepsSecretsAndShowsHelperErrors(t *testing.T) {
	h := newHarness(t, options{})
	h.until("profile read", func() bool { _, ok := h.u.profiles["work"]; return ok })
	h.u.OpenEditor("work")
	e := h.u.editors["work"]
	if e.entries["psk"].Text != "" || !strings.HasPrefix(e.entries["psk"].PlaceHolder, "Stored") {
		t.Errorf("PSK field = %q / %q", e.entries["psk"].Text, e.entries["psk"].PlaceHolder)
	}
	if !e.entries["name"].Disabled() {
		t.Error("the name of a stored profile can be changed")
	}
	if e.save.Disabled() {
		t.Fatalf("unchanged stored profile cannot be saved: %q", e.status.Text)
	}
	test.Type(e.entries["dns"], "198.51.100.53")
	test.Type(e.entries["dns_domains"], "corp.example\nlab.example")
	test.Tap(e.save)
	h.until("saved", func() bool { _, open := h.u.editors["work"]; return !open })
	p, _ := h.fake.StoredProfile("work")
	if p.PSK != workProfile.PSK || len(p.DNS) != 1 || strings.Join(p.DNSDomains, ",") != "corp.example,lab.example" {
		t.Errorf("after edit: psk kept=%v dns=%v dns_domains=%q", p.PSK == workProfile.PSK, p.DNS, p.DNSDomains)
	}

	// The helper has the last word: a rule the editor does not know.
	h.u.OpenEditor("work")
	e = h.u.editors["work"]
	e.entries["gateway"].SetText("192.0.2.9")
	e.problems = nil // as if the editor's checks had passed
	h.helper.refuseUpdates(api.FieldError("gateway", "is on the deny list"))
	test.Tap(e.save)
	h.until("helper error shown", func() bool { return e.errs["gateway"].Visible() })
	if got := e.errs["gateway"].Text; got != "Gateway is not valid: is on the deny list" {
		t.Errorf("gateway error = %q", got)
	}
	if !e.save.Disabled() {
		t.Error("save enabled while the helper's objection stands")
	}
	e.entries["gateway"].SetText("192.0.2.10")
	if e.errs["gateway"].Visible() {
		t.Error("editing the field did not clear the helper's objection")
	}
}

// The kill switch's settings: block_outside turns the kill switch on and
// holds it there, both say they are Linux-only, and both reach the helper.
func TestEditorKillSwitchSettings(t *testing.T) {
	h := newHarness(t, options{})
	h.until("profile read", func() bool { _, ok := h.u.profiles["work"]; return ok })
	h.u.OpenEditor("work")
	e := h.u.editors["work"]
	if e.killSwitch.Checked || e.blockOutside.Checked || e.killSwitch.Disabled() {
		t.Fatalf("stored profile without a kill switch: kill %v (disabled %v), outside %v", e.killSwitch.Checked, e.killSwitch.Disabled(), e.blockOutside.Checked)
	}
	for _, hint := range []string{form.KillSwitchHint, form.BlockOutsideHint} {
		if !hasText(e.win.Content(), hint) || !strings.HasPrefix(hint, "Linux only.") {
			t.Errorf("hint not shown or not saying Linux only: %q", hint)
		}
	}
	test.Tap(e.blockOutside)
	if !e.killSwitch.Checked || !e.killSwitch.Disabled() {
		t.Errorf("block_outside on: kill switch checked %v, disabled %v", e.killSwitch.Checked, e.killSwitch.Disabled())
	}
	test.Tap(e.blockOutside)
	if !e.killSwitch.Checked || e.killSwitch.Disabled() {
		t.Errorf("block_outside off again: kill switch checked %v, disabled %v", e.killSwitch.Checked, e.killSwitch.Disabled())
	}
	test.Tap(e.blockOutside)
	if e.save.Disabled() {
		t.Fatalf("cannot save: %q", e.status.Text)
	}
	test.Tap(e.save)
	h.until("saved", func() bool { _, open := h.u.editors["work"]; return !open })
	p, _ := h.fake.StoredProfile("work")
	if !p.KillSwitch || !p.BlockOutside {
		t.Errorf("stored: kill_switch %v, block_outside %v", p.KillSwitch, p.BlockOutside)
	}

	// Reopened, the settings show as stored; turning both off stores that.
	h.u.OpenEditor("work")
	e = h.u.editors["work"]
	if !e.killSwitch.Checked || !e.blockOutside.Checked || !e.killSwitch.Disabled() {
		t.Fatalf("reopened: kill %v (disabled %v), outside %v", e.killSwitch.Checked, e.killSwitch.Disabled(), e.blockOutside.Checked)
	}
	test.Tap(e.blockOutside)
	test.Tap(e.killSwitch)
	test.Tap(e.save)
	h.until("saved again", func() bool { _, open := h.u.editors["work"]; return !open })
	if p, _ = h.fake.StoredProfile("work"); p.KillSwitch || p.BlockOutside {
		t.Errorf("stored after clearing: kill_switch %v, block_outside %v", p.KillSwitch, p.BlockOutside)
	}
}

// Connect automatically and the trusted networks: a wrong entry is named
// by its line before anything is sent, both reach the helper, and the
// reopened editor shows them as stored.
func TestEditorConnectAutomatically(t *testing.T) {
	h := newHarness(t, options{})
	h.until("profile read", func() bool { _, ok := h.u.profiles["work"]; return ok })
	h.u.OpenEditor("work")
	e := h.u.editors["work"]
	if e.autoConnect.Checked || !hasText(e.win.Content(), form.AutoConnectHint) || !hasText(e.win.Content(), form.TrustedNetworksHint) {
		t.Fatalf("stored profile without auto_connect: checked %v, or a hint not shown", e.autoConnect.Checked)
	}
	test.Tap(e.autoConnect)
	test.Type(e.entries["trusted_networks"], "dns-suffix:corp.example\nprefix:192.0.2.1/24")
	if got := e.errs["trusted_networks"].Text; !e.errs["trusted_networks"].Visible() || !strings.Contains(got, "line 2") || !strings.Contains(got, "192.0.2.0/24") {
		t.Errorf("trusted networks error = %q", got)
	}
	if !e.save.Disabled() {
		t.Error("save enabled with a wrong trusted network")
	}
	e.entries["trusted_networks"].SetText("dns-suffix:corp.example\nprefix:192.0.2.0/24")
	if e.errs["trusted_networks"].Visible() || e.save.Disabled() {
		t.Fatalf("cannot save: %q", e.status.Text)
	}
	test.Tap(e.save)
	h.until("saved", func() bool { _, open := h.u.editors["work"]; return !open })
	p, _ := h.fake.StoredProfile("work")
	if !p.AutoConnect || strings.Join(p.TrustedNetworks, ",") != "dns-suffix:corp.example,prefix:192.0.2.0/24" {
		t.Errorf("stored: auto_connect %v, trusted_networks %q", p.AutoConnect, p.TrustedNetworks)
	}

	h.u.OpenEditor("work")
	e = h.u.editors["work"]
	if !e.autoConnect.Checked || e.entries["trusted_networks"].Text != "dns-suffix:corp.example\nprefix:192.0.2.0/24" {
		t.Errorf("reopened: checked %v, trusted %q", e.autoConnect.Checked, e.entries["trusted_networks"].Text)
	}
	test.Tap(e.autoConnect)
	test.Tap(e.save)
	h.until("saved again", func() bool { _, open := h.u.editors["work"]; return !open })
	if p, _ = h.fake.StoredProfile("work"); p.AutoConnect {
		t.Error("auto_connect still stored after clearing it")
	}
}
