package ui

import (
	"context"
	"errors"
	"slices"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/widget"

	"github.com/espressovpn/espresso/app/explain"
	"github.com/espressovpn/espresso/helper/api"
)

// The helper asks for a profile's password on its watch stream when it
// needs one (api.PromptProtocol): on Connect, on a reconnection, when
// traffic starts an on-demand profile. The UI follows the stream for
// those prompts on a watch of its own (app/watch mirrors the connections
// only) and shows the oldest waiting one as a dialog, bringing the window
// up even when it was hidden to the tray. A dialog whose prompt was
// answered elsewhere (espressoctl, another window), expired or withdrawn
// is taken down.

// Back-off of the prompt stream's reopening, as app/watch's defaults.
const (
	defaultMinBackoff = 250 * time.Millisecond
	defaultMaxBackoff = 5 * time.Second
)

// promptState is the UI goroutine's view of the helper's prompts.
type promptState struct {
	// protocol is the helper's prompt protocol version; 0 for a helper
	// that does not prompt, for which Connect asks before connecting.
	protocol int
	// waiting are the prompts the helper waits on, oldest first.
	waiting []api.Prompt
	// shown is the prompt whose dialog is up, nil if none.
	shown *promptDialog
	// answered are prompts answered from here whose closing the stream
	// has not reported yet; they are not shown again.
	answered map[string]bool
}

// promptDialog is the dialog of one prompt.
type promptDialog struct {
	prompt   api.Prompt
	dialog   *dialog.FormDialog
	password *widget.Entry
	remember *widget.Check
	// gone is set when the prompt closed elsewhere, so taking the dialog
	// down sends no answer.
	gone bool
}

// followPrompts keeps a watch stream open for the helper's prompts until
// ctx is done, reopening it with a bounded back-off, and hands every
// change to the UI goroutine.
func (u *UI) followPrompts(ctx context.Context) {
	minWait, maxWait := u.cfg.Watch.MinBackoff, u.cfg.Watch.MaxBackoff
	if minWait <= 0 {
		minWait = defaultMinBackoff
	}
	if maxWait < minWait {
		maxWait = max(defaultMaxBackoff, minWait)
	}
	wait := minWait
	for ctx.Err() == nil {
		if u.followPromptStream(ctx) {
			wait = minWait
		}
		select {
		case <-ctx.Done():
			return
		case <-u.after(wait):
		}
		wait = min(2*wait, maxWait)
	}
}

// followPromptStream follows one stream until it ends and reports
// whether it carried a snapshot. The prompts of a helper that went away
// went with it.
func (u *UI) followPromptStream(ctx context.Context) bool {
	s, err := u.cfg.Helper.Watch(ctx)
	if err != nil {
		return false
	}
	defer s.Close()
	protocol := 0
	vctx, cancel := context.WithTimeout(ctx, u.cfg.Timeout)
	if v, err := u.cfg.Helper.Version(vctx); err == nil {
		protocol = v.PromptProtocol
	}
	cancel()
	u.cfg.Do(func() { u.prompts.protocol = protocol })
	var waiting []api.Prompt
	gotSnapshot := false
	for {
		ev, err := s.Next()
		if err != nil || ctx.Err() != nil {
			if gotSnapshot && ctx.Err() == nil {
				u.cfg.Do(func() { u.setPrompts(nil) })
			}
			return gotSnapshot
		}
		switch ev.Kind {
		case api.EventSnapshot:
			gotSnapshot = true
			waiting = slices.Clone(ev.Prompts)
		case api.EventPrompt:
			if ev.Prompt == nil {
				continue
			}
			waiting = append(waiting, *ev.Prompt)
		case api.EventPromptClosed:
			if ev.Prompt == nil {
				continue
			}
			waiting = slices.DeleteFunc(waiting, func(p api.Prompt) bool { return p.ID == ev.Prompt.ID })
		default:
			continue
		}
		if gotSnapshot {
			now := slices.Clone(waiting)
			u.cfg.Do(func() { u.setPrompts(now) })
		}
	}
}

// setPrompts takes in the prompts the helper waits on: the dialog of one
// that closed goes, and the oldest one not answered from here shows.
func (u *UI) setPrompts(waiting []api.Prompt) {
	ps := &u.prompts
	ps.waiting = waiting
	for id := range ps.answered {
		if !slices.ContainsFunc(waiting, func(p api.Prompt) bool { return p.ID == id }) {
			delete(ps.answered, id)
		}
	}
	if d := ps.shown; d != nil && !slices.ContainsFunc(waiting, func(p api.Prompt) bool { return p.ID == d.prompt.ID }) {
		d.gone = true
		d.dialog.Hide()
		ps.shown = nil
	}
	if ps.shown != nil {
		return
	}
	for _, p := range waiting {
		if !ps.answered[p.ID] {
			u.showPrompt(p)
			return
		}
	}
}

// showPrompt shows the dialog of prompt p, with "Remember password"
// unchecked, and brings the window up.
func (u *UI) showPrompt(p api.Prompt) {
	q := explain.Ask(p)
	d := &promptDialog{prompt: p, password: widget.NewPasswordEntry(), remember: widget.NewCheck("Remember password", nil)}
	d.password.Validator = func(s string) error {
		if s == "" {
			return errors.New("type the password")
		}
		return nil
	}
	why := widget.NewLabel(q.Text)
	why.Wrapping = fyne.TextWrapWord
	items := []*widget.FormItem{
		widget.NewFormItem("", why),
		widget.NewFormItem("Password", d.password),
		widget.NewFormItem("", d.remember),
	}
	d.dialog = dialog.NewForm(q.Title, "Sign in", "Cancel", items, func(ok bool) {
		if d.gone {
			return
		}
		u.prompts.shown = nil
		a := api.PromptAnswer{Cancel: true}
		if ok {
			a = api.PromptAnswer{Password: d.password.Text, Remember: d.remember.Checked}
		}
		u.answerPrompt(p, a)
	}, u.win)
	d.dialog.Resize(fyne.NewSize(420, 240))
	u.prompts.shown = d
	u.Show()
	d.dialog.Show()
	u.win.Canvas().Focus(d.password)
}

// answerPrompt sends the answer to p and shows the next prompt, if any.
// A prompt that closed meanwhile (answered elsewhere, expired) needs no
// word: the stream reports it.
func (u *UI) answerPrompt(p api.Prompt, a api.PromptAnswer) {
	if u.prompts.answered == nil {
		u.prompts.answered = map[string]bool{}
	}
	u.prompts.answered[p.ID] = true
	u.call(func(ctx context.Context) error {
		return u.cfg.Helper.AnswerPrompt(ctx, p.ID, a)
	}, func(err error) {
		if err != nil && !errors.Is(err, &api.Error{Code: api.CodeNotFound}) {
			// The helper did not take the answer (storing the password
			// failed, say): the prompt waits on, so it shows again.
			u.showError(p.Profile, err)
			delete(u.prompts.answered, p.ID)
			u.setPrompts(u.prompts.waiting)
		}
		if err == nil && a.Remember {
			u.refreshProfiles() // it has a password now
		}
	})
	u.setPrompts(u.prompts.waiting)
}

// PromptShown returns the prompt whose dialog is up, if any.
func (u *UI) PromptShown() (api.Prompt, bool) {
	if u.prompts.shown == nil {
		return api.Prompt{}, false
	}
	return u.prompts.shown.prompt, true
}
