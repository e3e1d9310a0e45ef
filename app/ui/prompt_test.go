package ui

import (
	"context"
	"os"
	"os/user"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"fyne.io/fyne/v2/test"

	"github.com/espressovpn/espresso/app/internal/apitest"
	"github.com/espressovpn/espresso/app/watch"
	"github.com/espressovpn/espresso/helper/api"
	"github.com/espressovpn/espresso/helper/conn"
	"github.com/espressovpn/espresso/helper/logring"
	"github.com/espressovpn/espresso/helper/profile"
	"github.com/espressovpn/espresso/helper/server"
	"github.com/espressovpn/espresso/helper/session"
	"github.com/espressovpn/espresso/ipsec/ike"
	"github.com/espressovpn/espresso/ipsec/ike/eap"
	"github.com/espressovpn/espresso/ipsec/ike/eap/mschapv2"
)

// gatewayDialer connects a profile whose password is the gateway's and
// refuses any other as the gateway would (EAP-MSCHAPv2 error 691).
type gatewayDialer struct {
	password string
	mu       sync.Mutex
	dials    int
}

func (d *gatewayDialer) Dial(ctx context.Context, a session.Attempt) (session.Conn, error) {
	d.mu.Lock()
	d.dials++
	d.mu.Unlock()
	if a.Profile.Password.Reveal() != d.password {
		return nil, &ike.EAPError{Method: eap.TypeMSCHAPv2, Err: &mschapv2.FailureError{Code: mschapv2.ErrorAuthenticationFailed}}
	}
	return apitest.NewUpSession(), nil
}

// promptRig is the UI against an in-process helper that prompts: the
// real store, connection manager and API server, with a fake dialer.
type promptRig struct {
	*harness
	store *profile.Store
	sock  string
}

var noPasswordProfile = api.Profile{Name: "office", Gateway: "203.0.113.5", Auth: api.AuthEAPMSCHAPv2, Username: "alice"}

func newPromptRig(t *testing.T, d session.Dialer) *promptRig {
	t.Helper()
	dir, err := os.MkdirTemp("", "espresso-ui") // short: Unix socket paths are limited
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	store, err := profile.Open(filepath.Join(dir, "profiles"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := store.Put(noPasswordProfile, false); err != nil {
		t.Fatal(err)
	}
	me, err := user.Current()
	if err != nil {
		t.Fatal(err)
	}
	g, err := user.LookupGroupId(me.Gid)
	if err != nil {
		t.Fatal(err)
	}
	log := logring.New(100, nil, nil)
	mgr := conn.NewManager(d, log, conn.DefaultRetryPolicy)
	mgr.SetProfile(noPasswordProfile.Name, noPasswordProfile.Gateway)
	srv := server.New(server.Config{Store: store, Manager: mgr, Log: log, Auth: server.Authorizer{Group: g.Name}, Version: "test"})
	sock := filepath.Join(dir, "helper.sock")
	apitest.ServeHelper(t, srv, mgr, sock)

	h := &harness{t: t, q: make(chan func(), 4096), tray: &fakeTray{}, ticks: make(chan time.Time),
		now: time.Date(2026, 3, 4, 10, 0, 0, 0, time.UTC), runner: &fakeRunner{}}
	a := test.NewApp()
	h.app = &recordingApp{App: a}
	h.client = api.NewClient(sock)
	h.helper = &switchHelper{Helper: h.client}
	h.u = New(Config{
		App:    h.app,
		Helper: h.helper,
		Do:     func(f func()) { h.q <- f },
		Tray:   h.tray,
		Setup:  Setup{Runner: h.runner},
		Now:    h.clock,
		Ticks:  h.ticks,
		Watch:  watch.Options{MinBackoff: 5 * time.Millisecond, MaxBackoff: 20 * time.Millisecond},
		Quit:   func() { h.quits++ },
	})
	h.u.Start()
	t.Cleanup(func() {
		h.u.Close()
		h.client.CloseIdleConnections()
		a.Quit()
	})
	return &promptRig{harness: h, store: store, sock: sock}
}

// The tray's Connect of a profile without a password, with the window
// hidden: the helper's prompt comes up as a dialog with "Remember
// password" unchecked; checked and answered, the connection comes up and
// the password is stored, so the next Connect asks nothing.
func TestPromptDialogFromTray(t *testing.T) {
	d := &gatewayDialer{password: "s3cret"}
	r := newPromptRig(t, d)
	r.until("the helper prompts", func() bool { return r.u.prompts.protocol == api.PromptProtocol && r.tray.item("Connect office") != nil })
	r.u.closeWindow() // to the tray
	r.tray.item("Connect office").Action()
	r.until("the prompt's dialog", func() bool { _, ok := r.u.PromptShown(); return ok })
	p, _ := r.u.PromptShown()
	if p.Profile != "office" || p.Reason != api.PromptConnect {
		t.Errorf("prompt = %+v", p)
	}
	dlg := r.overlay(r.u.win)
	if !hasText(dlg, "Espresso is connecting office and needs the password of alice.") {
		t.Error("the dialog does not say why it asks")
	}
	shown := r.u.prompts.shown
	if shown.remember.Checked {
		t.Error("Remember password is checked by default")
	}
	if b := findButton(dlg, "Sign in"); b == nil || !b.Disabled() {
		t.Error("Sign in is enabled without a password")
	}
	test.Type(shown.password, "s3cret")
	test.Tap(shown.remember)
	test.Tap(findButton(dlg, "Sign in"))
	r.until("connected", func() bool { return r.state("office") == api.StateConnected })
	if stored, _ := r.store.Get("office"); stored.Password != "s3cret" {
		t.Error("the remembered password was not stored (mismatch)")
	}
	if _, ok := r.u.PromptShown(); ok {
		t.Error("the dialog stays after the answer")
	}

	r.u.Disconnect("office")
	r.until("disconnected", func() bool { return r.state("office") == api.StateDisconnected })
	r.until("the stored password is known", func() bool { return r.u.profileOf("office").HasPassword })
	r.u.Connect("office")
	r.until("connected again", func() bool { return r.state("office") == api.StateConnected })
	if _, ok := r.u.PromptShown(); ok || r.u.win.Canvas().Overlays().Top() != nil {
		t.Error("asked again for a stored password")
	}
}

// A prompt answered elsewhere (espressoctl) takes the dialog down; a
// password not to remember is not stored.
func TestPromptAnsweredElsewhere(t *testing.T) {
	r := newPromptRig(t, &gatewayDialer{password: "s3cret"})
	r.until("the helper prompts", func() bool { return r.u.prompts.protocol == api.PromptProtocol && r.state("office") != "" })
	r.u.Connect("office")
	r.until("the prompt's dialog", func() bool { _, ok := r.u.PromptShown(); return ok })
	p, _ := r.u.PromptShown()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	other := api.NewClient(r.sock)
	defer other.CloseIdleConnections()
	if err := other.AnswerPrompt(ctx, p.ID, api.PromptAnswer{Password: "s3cret"}); err != nil {
		t.Fatal(err)
	}
	r.until("the dialog is down", func() bool { _, ok := r.u.PromptShown(); return !ok })
	r.until("connected", func() bool { return r.state("office") == api.StateConnected })
	if r.u.win.Canvas().Overlays().Top() != nil {
		t.Error("a dialog is still open")
	}
	if stored, _ := r.store.Get("office"); stored.Password != "" {
		t.Error("a password not to remember was stored")
	}
}

// Cancel is an answer: the connection fails, and the banner says so.
// A wrong password fails with the gateway's refusal, and the next
// Connect asks again saying so.
func TestPromptCancelAndRefusal(t *testing.T) {
	r := newPromptRig(t, &gatewayDialer{password: "s3cret"})
	r.until("the helper prompts", func() bool { return r.u.prompts.protocol == api.PromptProtocol && r.state("office") != "" })
	r.u.Connect("office")
	r.until("the prompt's dialog", func() bool { _, ok := r.u.PromptShown(); return ok })
	test.Tap(findButton(r.overlay(r.u.win), "Cancel"))
	r.until("failed", func() bool { return r.state("office") == api.StateFailed })
	if got := r.u.Problem().Problem; got != "The password request was cancelled, so Espresso did not connect" {
		t.Errorf("banner = %q", got)
	}

	r.u.Connect("office")
	r.until("the prompt's dialog", func() bool { _, ok := r.u.PromptShown(); return ok })
	test.Type(r.u.prompts.shown.password, "wrong")
	test.Tap(findButton(r.overlay(r.u.win), "Sign in"))
	r.until("refused", func() bool { c, _ := r.u.conn("office"); return c.ErrorCode == api.FailureEAPRejected })
	if got := r.u.Problem().Problem; got != "The gateway rejected the password for alice" {
		t.Errorf("banner = %q", got)
	}
	r.u.Connect("office")
	r.until("the prompt's dialog", func() bool { _, ok := r.u.PromptShown(); return ok })
	if p, _ := r.u.PromptShown(); !p.Retry || !hasText(r.overlay(r.u.win), "The gateway refused the password given last. Espresso is connecting office and needs the password of alice.") {
		t.Errorf("the second prompt does not say the last password was refused: %+v", p)
	}
	if strings.Contains(r.u.prompts.shown.password.Text, "wrong") {
		t.Error("the refused password is filled in again")
	}
}
