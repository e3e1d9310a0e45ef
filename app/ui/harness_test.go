package ui

import (
	"context"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/espressovpn/espresso/app/internal/apitest"
	"github.com/espressovpn/espresso/app/watch"
	"github.com/espressovpn/espresso/helper/api"
)

// harness runs the UI against a fake helper over a real Unix socket with
// the real api.Client. Everything the UI hands to Config.Do is queued and
// run on the test goroutine by until, so the test and the UI share one
// goroutine as they would share fyne's.
type harness struct {
	t      *testing.T
	fake   *apitest.Server
	client *api.Client
	helper *switchHelper
	app    *recordingApp
	u      *UI
	q      chan func()
	tray   *fakeTray
	ticks  chan time.Time
	runner *fakeRunner

	mu  sync.Mutex
	now time.Time

	quits int

	// chosen is the path the file dialog hands back, as if the user
	// picked it; chooses counts the dialogs opened.
	chosen  string
	chooses int
}

type options struct {
	noTray    bool
	stopped   bool // the helper is not running at start
	setup     Setup
	profiles  []api.Profile
	autostart Autostart
}

var (
	workProfile   = api.Profile{Name: "work", Gateway: "vpn.example.com", Auth: api.AuthPSK, PSK: "correct horse battery staple"}
	officeProfile = api.Profile{Name: "office", Gateway: "203.0.113.5", Auth: api.AuthEAPMSCHAPv2, Username: "alice", Password: "hunter2", CAFile: "/etc/espresso/ca.pem"}
)

func newHarness(t *testing.T, o options) *harness {
	t.Helper()
	h := &harness{t: t, q: make(chan func(), 4096), tray: &fakeTray{}, ticks: make(chan time.Time),
		now: time.Date(2026, 3, 4, 10, 0, 0, 0, time.UTC)}
	h.runner = &fakeRunner{}
	a := test.NewApp()
	h.app = &recordingApp{App: a}
	dir, err := os.MkdirTemp("", "espresso-ui") // short: Unix socket paths are limited
	if err != nil {
		t.Fatal(err)
	}
	h.fake = apitest.New(filepath.Join(dir, "helper.sock"), apitest.Options{Now: h.clock})
	if o.profiles == nil {
		o.profiles = []api.Profile{workProfile}
	}
	for _, p := range o.profiles {
		if err := h.fake.AddProfile(p); err != nil {
			t.Fatal(err)
		}
	}
	if !o.stopped {
		if err := h.fake.Start(); err != nil {
			t.Fatal(err)
		}
	}
	h.client = api.NewClient(h.fake.Socket())
	h.helper = &switchHelper{Helper: h.client}
	if o.setup.Runner == nil {
		o.setup.Runner = h.runner
	}
	cfg := Config{
		App:    h.app,
		Helper: h.helper,
		Do:     func(f func()) { h.q <- f },
		Setup:  o.setup,
		Now:    h.clock,
		Ticks:  h.ticks,
		Watch:  watch.Options{MinBackoff: 5 * time.Millisecond, MaxBackoff: 20 * time.Millisecond},
		Quit:   func() { h.quits++ },
		ChooseFile: func(_ fyne.Window, _ []string, done func(string)) {
			h.chooses++
			done(h.chosen)
		},
	}
	cfg.Autostart = o.autostart
	if !o.noTray {
		cfg.Tray = h.tray
	}
	h.u = New(cfg)
	h.u.Start()
	t.Cleanup(func() {
		h.u.Close()
		h.fake.Stop()
		h.client.CloseIdleConnections()
		os.RemoveAll(dir)
		a.Quit()
	})
	return h
}

func (h *harness) clock() time.Time {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.now
}

func (h *harness) advance(d time.Duration) {
	h.mu.Lock()
	h.now = h.now.Add(d)
	h.mu.Unlock()
}

// until runs what the UI's goroutines hand back until cond holds.
func (h *harness) until(what string, cond func() bool) {
	h.t.Helper()
	deadline := time.After(10 * time.Second)
	for !cond() {
		select {
		case f := <-h.q:
			f()
		case <-deadline:
			h.t.Fatalf("timed out waiting until %s", what)
		}
	}
}

// tick sends one refresh tick and waits for the counters it fetches.
func (h *harness) tick() {
	h.t.Helper()
	h.ticks <- h.clock()
}

func (h *harness) state(name string) api.State {
	c, _ := h.u.conn(name)
	return c.State
}

// shownState is the state the details panel writes.
func (h *harness) shownState() string { return h.u.main.details.state.Text }

// recordingApp is fyne's test app that also keeps every notification.
type recordingApp struct {
	fyne.App
	notes []fyne.Notification
}

func (a *recordingApp) SendNotification(n *fyne.Notification) {
	a.notes = append(a.notes, *n)
	a.App.SendNotification(n)
}

func (a *recordingApp) lastNote() fyne.Notification {
	if len(a.notes) == 0 {
		return fyne.Notification{}
	}
	return a.notes[len(a.notes)-1]
}

// fakeTray records what the UI puts in the system tray.
type fakeTray struct {
	menu  *fyne.Menu
	icon  fyne.Resource
	menus int
}

func (t *fakeTray) SetSystemTrayMenu(m *fyne.Menu)    { t.menu = m; t.menus++ }
func (t *fakeTray) SetSystemTrayIcon(r fyne.Resource) { t.icon = r }

func (t *fakeTray) item(label string) *fyne.MenuItem {
	if t.menu == nil {
		return nil
	}
	for _, it := range t.menu.Items {
		if it.Label == label {
			return it
		}
	}
	return nil
}

func (t *fakeTray) labels() []string {
	var out []string
	if t.menu != nil {
		for _, it := range t.menu.Items {
			out = append(out, it.Label)
		}
	}
	return out
}

// fakeRunner records commands and runs a hook in place of the process.
type fakeRunner struct {
	mu   sync.Mutex
	argv [][]string
	hook func() error
}

func (r *fakeRunner) Run(_ context.Context, argv []string) ([]byte, error) {
	r.mu.Lock()
	r.argv = append(r.argv, argv)
	hook := r.hook
	r.mu.Unlock()
	if hook != nil {
		return nil, hook()
	}
	return nil, nil
}

func (r *fakeRunner) calls() [][]string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([][]string(nil), r.argv...)
}

// findButton returns the visible button labelled text inside o.
func findButton(o fyne.CanvasObject, text string) *widget.Button {
	var found *widget.Button
	walk(o, func(o fyne.CanvasObject) {
		if b, ok := o.(*widget.Button); ok && b.Text == text && b.Visible() && found == nil {
			found = b
		}
	})
	return found
}

// findEntry returns the first visible entry inside o.
func findEntry(o fyne.CanvasObject) *widget.Entry {
	var found *widget.Entry
	walk(o, func(o fyne.CanvasObject) {
		if e, ok := o.(*widget.Entry); ok && found == nil {
			found = e
		}
	})
	return found
}

// hasText reports whether a visible label or entry inside o shows text.
func hasText(o fyne.CanvasObject, text string) bool {
	found := false
	walk(o, func(o fyne.CanvasObject) {
		switch w := o.(type) {
		case *widget.Label:
			found = found || w.Text == text
		case *widget.Entry:
			found = found || w.Text == text
		}
	})
	return found
}

func walk(o fyne.CanvasObject, f func(fyne.CanvasObject)) {
	if o == nil || !o.Visible() {
		return
	}
	f(o)
	switch c := o.(type) {
	case *fyne.Container:
		for _, ch := range c.Objects {
			walk(ch, f)
		}
	case fyne.Widget:
		for _, ch := range test.WidgetRenderer(c).Objects() {
			walk(ch, f)
		}
	}
}

// overlay returns the topmost dialog of w, failing if none is open.
func (h *harness) overlay(w fyne.Window) fyne.CanvasObject {
	h.t.Helper()
	top := w.Canvas().Overlays().Top()
	if top == nil {
		h.t.Fatal("no dialog is open")
	}
	return top
}

// switchHelper is the real client, with profile updates made to fail on
// demand, for an objection only the helper raises, and a count of the
// connect requests answered.
type switchHelper struct {
	Helper
	mu       sync.Mutex
	update   error
	connects int
}

func (s *switchHelper) Connect(ctx context.Context, name string, req api.ConnectRequest, wait bool) (api.ConnectionStatus, error) {
	st, err := s.Helper.Connect(ctx, name, req, wait)
	s.mu.Lock()
	s.connects++
	s.mu.Unlock()
	return st, err
}

// answered returns how many connect requests have had their answer (or
// failed).
func (s *switchHelper) answered() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.connects
}

func (s *switchHelper) refuseUpdates(err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.update = err
}

func (s *switchHelper) UpdateProfile(ctx context.Context, p api.Profile) (api.Profile, error) {
	s.mu.Lock()
	err := s.update
	s.mu.Unlock()
	if err != nil {
		return api.Profile{}, err
	}
	return s.Helper.UpdateProfile(ctx, p)
}
