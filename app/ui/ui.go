package ui

import (
	"context"
	"sync"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/dialog"

	"github.com/espressovpn/espresso/app/explain"
	"github.com/espressovpn/espresso/app/traffic"
	"github.com/espressovpn/espresso/app/watch"
	"github.com/espressovpn/espresso/helper/api"
)

// graphWindow is how far back the throughput graph reaches.
const graphWindow = 5 * time.Minute

// UI is the running interface. Create it with New, then Start; Close
// stops every goroutine it started.
type UI struct {
	cfg    Config
	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup

	// Everything below is owned by the UI goroutine.
	win      fyne.Window
	main     *mainView
	link     watch.Link
	linkErr  error
	started  bool // the first watch update arrived
	conns    []api.ConnectionStatus
	profiles map[string]api.Profile
	selected string
	history  map[string]*traffic.History
	problem  *problem // what the banner shows, nil when nothing is wrong
	trayKey  string
	editors  map[string]*editor
	logs     *logView
	prompts  promptState
}

// problem is what the banner explains: about one profile, or about the
// helper itself (profile empty).
type problem struct {
	profile  string
	sentence explain.Sentence
	helper   bool // about the link to the helper; cleared once it is up
}

// New builds the main window; Start brings it to life.
func New(cfg Config) *UI {
	if cfg.Do == nil {
		cfg.Do = fyne.Do
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Quit == nil {
		cfg.Quit = cfg.App.Quit
	}
	if cfg.ChooseFile == nil {
		cfg.ChooseFile = chooseFile
	}
	if cfg.Timeout == 0 {
		cfg.Timeout = 15 * time.Second
	}
	ctx, cancel := context.WithCancel(context.Background())
	u := &UI{
		cfg:      cfg,
		ctx:      ctx,
		cancel:   cancel,
		profiles: map[string]api.Profile{},
		history:  map[string]*traffic.History{},
		editors:  map[string]*editor{},
	}
	u.win = cfg.App.NewWindow("Espresso")
	u.main = newMainView(u)
	u.win.SetContent(u.main.root)
	u.win.Resize(fyne.NewSize(920, 800))
	u.win.SetMaster()
	u.win.SetCloseIntercept(u.closeWindow)
	// The state colours follow the theme variant, which the desktop may
	// switch while the app runs.
	cfg.App.Settings().AddListener(func(fyne.Settings) {
		cfg.Do(func() {
			if u.ctx.Err() == nil {
				u.render()
			}
		})
	})
	u.refreshTray()
	return u
}

// Window returns the main window.
func (u *UI) Window() fyne.Window { return u.win }

// Start begins watching the helper and refreshing the counters.
func (u *UI) Start() {
	w := watch.New(u.cfg.Helper, func(up watch.Update) {
		u.cfg.Do(func() { u.apply(up) })
	}, u.cfg.Watch)
	u.goFunc(func() { w.Run(u.ctx) })
	u.goFunc(func() { u.followPrompts(u.ctx) })

	ticks := u.cfg.Ticks
	var stop func()
	if ticks == nil {
		t := time.NewTicker(time.Second)
		ticks, stop = t.C, t.Stop
	}
	u.goFunc(func() {
		if stop != nil {
			defer stop()
		}
		for {
			select {
			case <-u.ctx.Done():
				return
			case <-ticks:
				u.cfg.Do(u.tick)
			}
		}
	})
}

// Close stops every goroutine the UI started and waits for them. Call it
// on the UI goroutine's behalf, after the app's loop has ended or from a
// test; results still queued through Config.Do are dropped.
func (u *UI) Close() {
	u.cancel()
	u.wg.Wait()
}

// goFunc runs f in a goroutine that Close waits for.
func (u *UI) goFunc(f func()) {
	u.wg.Add(1)
	go func() {
		defer u.wg.Done()
		f()
	}()
}

// call runs a request to the helper in a goroutine, bounded by the
// timeout, and hands its error to done on the UI goroutine.
func (u *UI) call(req func(ctx context.Context) error, done func(err error)) {
	u.goFunc(func() {
		ctx, cancel := context.WithTimeout(u.ctx, u.cfg.Timeout)
		defer cancel()
		err := req(ctx)
		if u.ctx.Err() != nil {
			return
		}
		u.cfg.Do(func() { done(err) })
	})
}

// after returns a channel that fires after d, on the injected clock of
// Config.Watch when there is one.
func (u *UI) after(d time.Duration) <-chan time.Time {
	if u.cfg.Watch.After != nil {
		return u.cfg.Watch.After(d)
	}
	return time.After(d)
}

// noTrayToldKey is the preference that remembers that the user was told
// the desktop has no tray.
const noTrayToldKey = "no-tray-told"

// closeWindow hides the main window when the tray can bring it back.
// Without a tray nothing could bring it back, and Fyne cannot minimise a
// window: the first time, the window stays open and says why, offering to
// quit; once the user has been told (remembered in the preferences),
// closing quits.
func (u *UI) closeWindow() {
	if u.cfg.Tray != nil {
		u.win.Hide()
		return
	}
	prefs := u.cfg.App.Preferences()
	if prefs.Bool(noTrayToldKey) {
		u.cfg.Quit()
		return
	}
	prefs.SetBool(noTrayToldKey, true)
	d := dialog.NewConfirm("No system tray",
		"This desktop shows no tray icons, so Espresso cannot hide there\n"+
			"and keeps its window open. Your connections do not need it:\n"+
			"the helper keeps them up whether Espresso is open or not.\n"+
			"From now on, closing this window quits Espresso.",
		func(quit bool) {
			if quit {
				u.cfg.Quit()
			}
		}, u.win)
	d.SetConfirmText("Quit")
	d.SetDismissText("Keep open")
	d.Show()
}

// Show brings the main window up.
func (u *UI) Show() {
	u.win.Show()
	u.win.RequestFocus()
}

// conn returns the status of profile name.
func (u *UI) conn(name string) (api.ConnectionStatus, bool) {
	for _, c := range u.conns {
		if c.Name == name {
			return c, true
		}
	}
	return api.ConnectionStatus{}, false
}

// profileOf returns the stored profile name, or nil if the app has not
// read it.
func (u *UI) profileOf(name string) *api.Profile {
	if p, ok := u.profiles[name]; ok {
		return &p
	}
	return nil
}

// apply takes in one report of the watcher.
func (u *UI) apply(up watch.Update) {
	prev := map[string]api.ConnectionStatus{}
	for _, c := range u.conns {
		prev[c.Name] = c
	}
	wasUp := u.started && u.link == watch.LinkUp
	u.started = true
	u.link, u.linkErr = up.Link, up.Err
	u.conns = up.Connections

	if up.Link == watch.LinkDown {
		u.setHelperProblem(up.Err)
	} else if u.problem != nil && u.problem.helper {
		u.problem = nil
	}
	refresh := up.Link == watch.LinkUp && up.Changed == ""
	for _, c := range u.conns {
		if _, known := u.profiles[c.Name]; !known {
			refresh = true
		}
		old, seen := prev[c.Name]
		if c.State != api.StateConnected {
			delete(u.history, c.Name)
		}
		if seen && wasUp && old.State != c.State {
			u.transition(old, c)
		}
	}
	for name := range u.profiles {
		if _, ok := u.conn(name); !ok && up.Link == watch.LinkUp {
			delete(u.profiles, name)
		}
	}
	if refresh {
		u.refreshProfiles()
	}
	if _, ok := u.conn(u.selected); !ok {
		u.selected = firstToShow(u.conns)
	}
	u.render()
}

// transition reacts to a connection changing state: a notification, and
// the failure explained in the banner.
func (u *UI) transition(old, c api.ConnectionStatus) {
	u.notify(old, c)
	switch c.State {
	case api.StateFailed:
		u.problem = &problem{profile: c.Name, sentence: explain.Status(c, u.profileOf(c.Name))}
	case api.StateConnected:
		if u.problem != nil && u.problem.profile == c.Name {
			u.problem = nil
		}
	}
}

// refreshProfiles reads the profiles again, for a new or changed one.
func (u *UI) refreshProfiles() {
	var ps []api.Profile
	u.call(func(ctx context.Context) (err error) {
		ps, err = u.cfg.Helper.Profiles(ctx)
		return err
	}, func(err error) {
		if err != nil {
			return // the watcher reports a helper that went away
		}
		u.profiles = make(map[string]api.Profile, len(ps))
		for _, p := range ps {
			u.profiles[p.Name] = p
		}
		u.render()
	})
}

// tick refreshes the counters of live connections, the graph and the
// uptime, and the countdown of a reconnection.
func (u *UI) tick() {
	live, waiting := false, false
	for _, c := range u.conns {
		live = live || c.State == api.StateConnected
		waiting = waiting || (c.State == api.StateReconnecting && c.Reconnect != nil && c.Reconnect.NextAt != nil)
	}
	if waiting && !live {
		// The countdown to the next attempt needs no request.
		u.main.details.refresh()
	}
	if !live || u.link != watch.LinkUp {
		return
	}
	var sts []api.ConnectionStatus
	u.call(func(ctx context.Context) (err error) {
		sts, err = u.cfg.Helper.Status(ctx)
		return err
	}, func(err error) {
		if err != nil {
			return
		}
		u.takeCounters(sts)
		u.main.details.refresh()
	})
}

// takeCounters copies fresh counters into connections still in the same
// state (the watch stream stays the authority on state) and feeds the
// throughput histories.
func (u *UI) takeCounters(sts []api.ConnectionStatus) {
	now := u.cfg.Now()
	for _, st := range sts {
		for i := range u.conns {
			c := &u.conns[i]
			if c.Name != st.Name || c.State != st.State || c.State != api.StateConnected {
				continue
			}
			c.BytesIn, c.BytesOut, c.PacketsIn, c.PacketsOut = st.BytesIn, st.BytesOut, st.PacketsIn, st.PacketsOut
			h := u.history[c.Name]
			if h == nil {
				h = traffic.NewHistory(graphWindow, int(graphWindow/time.Second)+1)
				u.history[c.Name] = h
			}
			h.Add(now, st.BytesIn, st.BytesOut)
		}
	}
}

// render brings every view up to date with the state.
func (u *UI) render() {
	u.main.refresh()
	u.refreshTray()
	for _, e := range u.editors {
		e.linkChanged()
	}
}

// Select shows profile name's details.
func (u *UI) Select(name string) {
	u.selected = name
	u.main.refresh()
}

// Selected returns the profile whose details are shown.
func (u *UI) Selected() string { return u.selected }

// firstToShow picks the connection to show when none is selected: the
// first active one, else the first.
func firstToShow(conns []api.ConnectionStatus) string {
	for _, c := range conns {
		if active(c.State) {
			return c.Name
		}
	}
	if len(conns) > 0 {
		return conns[0].Name
	}
	return ""
}
