package ui

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/dialog"

	"github.com/espressovpn/espresso/app/diagnose"
	"github.com/espressovpn/espresso/app/explain"
	"github.com/espressovpn/espresso/helper/api"
	"github.com/espressovpn/espresso/internal/version"
)

// debugLabel is the log window's check for the helper's debug level.
const debugLabel = "Debug detail: IKE messages and dropped packets"

// readLevel sets the debug check to the helper's log level, unless the
// user changed it before the answer came.
func (v *logView) readLevel() {
	var level api.Level
	changes := v.changes
	v.u.call(func(ctx context.Context) error {
		var err error
		level, err = v.u.cfg.Helper.LogLevel(ctx)
		return err
	}, func(err error) {
		v.levelRead = true
		if err == nil && v.changes == changes {
			v.showDebug(level == api.LevelDebug)
		}
	})
}

// showDebug sets the check without asking the helper again.
func (v *logView) showDebug(on bool) {
	v.syncing = true
	v.debug.SetChecked(on)
	v.syncing = false
}

// setDebug asks the helper to log from debug up, or from info up again.
// Only root may: for anyone else the check goes back and the window says
// how to do it in a terminal.
func (v *logView) setDebug(on bool) {
	if v.syncing {
		return
	}
	v.changes++
	level := api.LevelInfo
	if on {
		level = api.LevelDebug
	}
	v.u.call(func(ctx context.Context) error {
		return v.u.cfg.Helper.SetLogLevel(ctx, level)
	}, func(err error) {
		switch {
		case errors.Is(err, api.ErrAccessDenied):
			v.showDebug(!on)
			v.note.SetText("Only root may change the helper's log level, as everyone who may use Espresso reads its log. " +
				"In a terminal: sudo espressoctl log-level " + string(level))
		case err != nil:
			v.showDebug(!on)
			v.note.SetText("The log level was not changed: " + explain.Error(err, nil).Problem)
		case on:
			v.note.SetText("The helper now logs each IKE message and the packets it drops, by reason, until it restarts.")
		default:
			v.note.SetText("The helper logs from info up again.")
		}
	})
}

// askSave lets the user choose where to save a diagnostic bundle.
func (v *logView) askSave() {
	d := dialog.NewFileSave(func(w fyne.URIWriteCloser, err error) {
		switch {
		case err != nil:
			v.note.SetText("Could not save the diagnostics: " + err.Error())
		case w != nil:
			path := ""
			if w.URI().Scheme() == "file" {
				path = w.URI().Path()
			}
			v.saveTo(w.URI().Name(), path, w)
		}
	}, v.win)
	d.SetFileName(diagnose.FileName(v.u.cfg.Now()))
	d.Resize(fyne.NewSize(720, 480))
	d.Show()
}

// saveTo writes a diagnostic bundle to w, named name, and closes it. A
// local file (path not empty) is made readable by its owner alone first:
// the bundle shows the system's addresses and routes.
func (v *logView) saveTo(name, path string, w io.WriteCloser) {
	if path != "" {
		_ = os.Chmod(path, 0o600)
	}
	now := v.u.cfg.Now()
	v.note.SetText("Saving the diagnostics…")
	// Without the helper's part (it is not running, say) the bundle is
	// saved all the same, saying why: that is when one is most wanted.
	var partial error
	v.u.call(func(ctx context.Context) error {
		d, err := v.u.cfg.Helper.Diagnostics(ctx)
		if err != nil {
			d, partial = api.Diagnostics{}, err
		}
		err = diagnose.Write(w, d, partial, diagnose.Client{Name: "espresso", Version: version.String()}, now)
		return errors.Join(err, w.Close())
	}, func(err error) {
		switch {
		case err != nil:
			v.note.SetText(fmt.Sprintf("Could not save the diagnostics: %s", explain.Error(err, nil).Problem))
		case partial != nil:
			v.note.SetText("Saved the diagnostics to " + name + " without the helper's part: " + explain.Error(partial, nil).Problem + ".")
		default:
			v.note.SetText("Saved the diagnostics to " + name + ". Read them before you send them on: they show your network's addresses.")
		}
	})
}
