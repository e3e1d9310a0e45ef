package ui

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/storage"
	"fyne.io/fyne/v2/widget"

	"github.com/espressovpn/espresso/app/explain"
	"github.com/espressovpn/espresso/app/setup"
	"github.com/espressovpn/espresso/helper/api"
)

// maxImport bounds the size of a profile file read for import.
const maxImport = 1 << 20

// toggleSelected connects or disconnects the selected profile.
func (u *UI) toggleSelected() { u.Toggle(u.selected) }

// Toggle disconnects profile name if its connection is active, and
// connects it otherwise.
func (u *UI) Toggle(name string) {
	c, ok := u.conn(name)
	if !ok {
		return
	}
	if active(c.State) {
		u.Disconnect(name)
		return
	}
	u.Connect(name)
}

// Connect asks the helper to connect profile name. A helper that
// prompts asks for a password the profile does not store itself, on the
// watch stream (see prompt.go); for one that does not, the app asks
// before connecting.
func (u *UI) Connect(name string) {
	if p := u.profileOf(name); p != nil && p.Auth == api.AuthEAPMSCHAPv2 && !p.HasPassword && u.prompts.protocol < 1 {
		u.askPassword(*p)
		return
	}
	u.connect(name, api.ConnectRequest{})
}

func (u *UI) connect(name string, req api.ConnectRequest) {
	if u.problem != nil && u.problem.profile == name {
		u.problem = nil
		u.main.banner.refresh()
	}
	u.call(func(ctx context.Context) error {
		_, err := u.cfg.Helper.Connect(ctx, name, req, false)
		return err
	}, func(err error) {
		var ae *api.Error
		if errors.As(err, &ae) && ae.Field == api.FieldPassword && req.Password == "" {
			// A helper that does not prompt wants the password now.
			if p := u.profileOf(name); p != nil {
				u.askPassword(*p)
				return
			}
		}
		if err != nil {
			u.showError(name, err)
		}
	})
}

// Disconnect asks the helper to end profile name's connection.
func (u *UI) Disconnect(name string) {
	u.call(func(ctx context.Context) error {
		_, err := u.cfg.Helper.Disconnect(ctx, name)
		return err
	}, func(err error) {
		if err != nil {
			u.showError(name, err)
		}
	})
}

// askPassword asks for the EAP password of p for one connection, for a
// helper that does not prompt; it is sent with the connect request and
// not stored.
func (u *UI) askPassword(p api.Profile) {
	pw := widget.NewPasswordEntry()
	user := p.Username
	if user == "" {
		user = p.LocalID
	}
	items := []*widget.FormItem{widget.NewFormItem("Password", pw)}
	d := dialog.NewForm(fmt.Sprintf("Password for %s", user), "Connect", "Cancel", items, func(ok bool) {
		if ok && pw.Text != "" {
			u.connect(p.Name, api.ConnectRequest{Password: pw.Text})
		}
	}, u.win)
	d.Resize(fyne.NewSize(360, 160))
	d.Show()
	u.win.Canvas().Focus(pw)
}

// confirmRemove asks before removing profile name and its secrets.
func (u *UI) confirmRemove(name string) {
	if name == "" {
		return
	}
	d := dialog.NewConfirm("Remove "+name+"?",
		"The profile and the secrets stored with it are deleted.\nThis cannot be undone.",
		func(ok bool) {
			if ok {
				u.Remove(name)
			}
		}, u.win)
	d.SetConfirmText("Remove")
	d.SetConfirmImportance(widget.DangerImportance)
	d.SetDismissText("Keep")
	d.Show()
}

// Remove deletes profile name without asking.
func (u *UI) Remove(name string) {
	u.call(func(ctx context.Context) error {
		return u.cfg.Helper.RemoveProfile(ctx, name)
	}, func(err error) {
		if err != nil {
			u.showError(name, err)
		}
	})
}

// showImportDialog lets the user pick a profile file to import.
func (u *UI) showImportDialog() {
	d := dialog.NewFileOpen(func(r fyne.URIReadCloser, err error) {
		if err != nil {
			u.showError("", fmt.Errorf("opening the file: %w", err))
			return
		}
		if r == nil {
			return // cancelled
		}
		defer r.Close()
		u.importFrom(r.URI().Name(), r)
	}, u.win)
	d.SetFilter(storage.NewExtensionFileFilter([]string{".json", ".sswan"}))
	d.Resize(fyne.NewSize(720, 480))
	d.Show()
}

// ImportFile imports the profile file at path as the import dialog does:
// the app imports the files it is started with, which is how a
// double-clicked .sswan file reaches it.
func (u *UI) ImportFile(path string) {
	f, err := os.Open(path)
	if err != nil {
		u.cannotRead(filepath.Base(path), err)
		return
	}
	defer f.Close()
	u.importFrom(filepath.Base(path), f)
}

// importFrom reads a profile file named name from r and imports it.
func (u *UI) importFrom(name string, r io.Reader) {
	data, err := io.ReadAll(io.LimitReader(r, maxImport+1))
	if err == nil && len(data) > maxImport {
		err = errors.New("the file is larger than a profile can be")
	}
	if err != nil {
		u.cannotRead(name, err)
		return
	}
	u.Import(name, data, false)
}

// cannotRead shows that the profile file name could not be read.
func (u *UI) cannotRead(name string, err error) {
	u.problem = &problem{sentence: explain.Sentence{
		Problem: fmt.Sprintf("Could not read %s: %v", name, err),
		Next:    "Choose the profile file your administrator gave you.",
	}}
	u.main.banner.refresh()
}

// ImportFormat returns the import format for a file name: strongSwan's
// for .sswan, the project's own otherwise.
func ImportFormat(file string) string {
	if strings.EqualFold(filepath.Ext(file), ".sswan") {
		return api.FormatSswan
	}
	return api.FormatEspresso
}

// Import sends a profile file's content to the helper, which parses it. A
// profile of the same name is replaced only after the user agrees.
func (u *UI) Import(file string, data []byte, replace bool) {
	var p api.Profile
	u.call(func(ctx context.Context) (err error) {
		p, err = u.cfg.Helper.ImportProfile(ctx, ImportFormat(file), data, replace)
		return err
	}, func(err error) {
		if errors.Is(err, &api.Error{Code: api.CodeExists}) && !replace {
			d := dialog.NewConfirm("Replace the profile?",
				fmt.Sprintf("A profile with the name in %s exists already. Replace it with the file's?", file),
				func(ok bool) {
					if ok {
						u.Import(file, data, true)
					}
				}, u.win)
			d.SetConfirmText("Replace")
			d.Show()
			return
		}
		if err != nil {
			u.showError("", err)
			return
		}
		u.profiles[p.Name] = p
		u.selected = p.Name
		u.problem = nil
		u.render()
	})
}

// startHelper runs the command that installs and starts the helper, or
// shows it where the user must run it.
func (u *UI) startHelper() {
	cmd, err := setup.StartCommand(u.cfg.Setup.GOOS, u.cfg.Setup.Install)
	var unsafe *setup.UnsafeHelperError
	if errors.As(err, &unsafe) {
		u.problem = &problem{helper: true, sentence: explain.Sentence{
			Problem: "Espresso will not run its helper as an administrator: " + unsafe.Error() + ", so another user could change what runs",
			Next:    "Install Espresso from its package, which puts the helper where only an administrator can change it.",
		}}
		u.main.banner.refresh()
		return
	}
	if err != nil {
		u.problem = &problem{helper: true, sentence: explain.Sentence{
			Problem: "The Espresso helper cannot be started from here",
			Next:    "Install Espresso from its package for your system; the helper comes with it.",
		}}
		u.main.banner.refresh()
		return
	}
	if cmd.Argv == nil {
		u.showCommand(cmd)
		return
	}
	runner := u.cfg.Setup.Runner
	if runner == nil {
		runner = setup.Exec{}
	}
	u.goFunc(func() {
		out, err := runner.Run(u.ctx, cmd.Argv)
		if u.ctx.Err() != nil {
			return
		}
		u.cfg.Do(func() {
			if err == nil {
				return // the watcher sees the helper come up
			}
			detail := strings.TrimSpace(string(out))
			if detail == "" {
				detail = err.Error()
			}
			u.problem = &problem{helper: true, sentence: explain.Sentence{
				Problem: "The Espresso helper did not start: " + detail,
				Next:    "Run this in a terminal as an administrator: " + cmd.Manual,
			}}
			u.main.banner.refresh()
		})
	})
}

// showCommand shows the command the user must run to start the helper,
// with a button to copy it.
func (u *UI) showCommand(cmd setup.Command) {
	e := widget.NewEntry()
	e.SetText(cmd.Manual)
	copyBtn := widget.NewButton("Copy", func() { u.cfg.App.Clipboard().SetContent(cmd.Manual) })
	content := container.NewVBox(
		widget.NewLabel("Run this in a terminal; it asks for the root password:"),
		container.NewBorder(nil, nil, nil, copyBtn, e))
	d := dialog.NewCustom("Start the Espresso helper", "Close", content, u.win)
	d.Resize(fyne.NewSize(560, 180))
	d.Show()
}
