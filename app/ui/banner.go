package ui

import (
	"errors"
	"image/color"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/espressovpn/espresso/app/explain"
	"github.com/espressovpn/espresso/helper/api"
)

// banner is the strip under the header that explains the current problem
// in words, with a button for the next step and one to dismiss it.
type banner struct {
	u       *UI
	root    *fyne.Container
	bg      *canvas.Rectangle
	problem *widget.Label
	next    *widget.Label
	action  *widget.Button
	dismiss *widget.Button
}

func newBanner(u *UI) *banner {
	b := &banner{u: u}
	b.bg = canvas.NewRectangle(color.Transparent)
	b.bg.CornerRadius = theme.InputRadiusSize()
	b.problem = widget.NewLabelWithStyle("", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	b.problem.Wrapping = fyne.TextWrapWord
	b.next = widget.NewLabel("")
	b.next.Wrapping = fyne.TextWrapWord
	b.action = widget.NewButton("", b.act)
	b.action.Importance = widget.HighImportance
	b.dismiss = widget.NewButtonWithIcon("", theme.CancelIcon(), func() {
		u.problem = nil
		b.refresh()
	})
	b.dismiss.Importance = widget.LowImportance
	icon := widget.NewIcon(theme.WarningIcon())
	text := container.NewVBox(b.problem, b.next)
	row := container.NewBorder(nil, nil, container.NewCenter(icon),
		container.NewCenter(container.NewHBox(b.action, b.dismiss)), text)
	b.root = container.NewPadded(container.NewStack(b.bg, container.NewPadded(row)))
	b.root.Hide()
	return b
}

// bannerColor is a soft red that works on light and dark themes.
func bannerColor() fyne.ThemeColorName { return theme.ColorNameError }

// refresh shows the UI's problem, or hides the banner.
func (b *banner) refresh() {
	p := b.u.problem
	if p == nil {
		b.root.Hide()
		return
	}
	c := theme.Color(bannerColor())
	r, g, bl, _ := c.RGBA()
	b.bg.FillColor = colorWithAlpha(r, g, bl, 0x30)
	b.bg.Refresh()
	b.problem.SetText(p.sentence.Problem)
	b.next.SetText(p.sentence.Next)
	label := b.u.actionLabel(p)
	if label == "" {
		b.action.Hide()
	} else {
		b.action.SetText(label)
		b.action.Show()
	}
	if p.helper {
		b.dismiss.Hide()
	} else {
		b.dismiss.Show()
	}
	b.root.Show()
}

// act takes the next step the banner offers.
func (b *banner) act() {
	u := b.u
	p := u.problem
	if p == nil {
		return
	}
	switch p.sentence.Action {
	case explain.ActionEdit:
		u.OpenEditor(p.profile)
	case explain.ActionShowLog:
		u.ShowLog()
	case explain.ActionStartHelper:
		u.startHelper()
	}
}

// Problem returns the sentence the banner shows, empty when hidden; for
// tests.
func (u *UI) Problem() explain.Sentence {
	if u.problem == nil {
		return explain.Sentence{}
	}
	return u.problem.sentence
}

// showError puts an error from a request about profile name in the
// banner.
func (u *UI) showError(name string, err error) {
	u.problem = &problem{profile: name, sentence: explain.Error(err, u.profileOf(name))}
	if errors.Is(err, api.ErrHelperNotRunning) {
		u.setHelperProblem(err)
	}
	u.main.banner.refresh()
}

// setHelperProblem explains why the helper cannot be reached, and offers
// to install or start it when that is what is missing.
func (u *UI) setHelperProblem(err error) {
	s := explain.Error(err, nil)
	if errors.Is(err, api.ErrHelperNotRunning) && u.cfg.Setup.Install.HelperPath == "" {
		s = explain.Sentence{
			Problem: "The Espresso helper is not installed on this computer",
			Next:    "Install Espresso from its package for your system; the helper comes with it.",
		}
	}
	u.problem = &problem{sentence: s, helper: true}
}

// actionLabel names the banner's button for p, empty for none.
func (u *UI) actionLabel(p *problem) string {
	switch p.sentence.Action {
	case explain.ActionEdit:
		if p.profile == "" {
			return ""
		}
		return "Edit profile"
	case explain.ActionShowLog:
		return "Show log"
	case explain.ActionStartHelper:
		switch {
		case u.cfg.Setup.Install.HelperPath == "":
			return ""
		case u.cfg.Setup.GOOS == "freebsd":
			return "Show the command"
		case !u.cfg.Setup.Install.Installed:
			return "Install and start"
		}
		return "Start helper"
	}
	return ""
}
