package main

import (
	"strings"
	"unicode/utf8"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"
)

// walkVisible calls f on o and on every visible object inside it, in
// drawing order (so a form's value follows its label). It descends
// through containers, splits and scrolls, the layouts the windows are
// built from; a widget's own parts (a list's rows) stay out of reach.
func walkVisible(o fyne.CanvasObject, f func(fyne.CanvasObject)) {
	if o == nil || !o.Visible() {
		return
	}
	f(o)
	switch c := o.(type) {
	case *fyne.Container:
		for _, child := range c.Objects {
			walkVisible(child, f)
		}
	case *container.Split:
		walkVisible(c.Leading, f)
		walkVisible(c.Trailing, f)
	case *container.Scroll:
		walkVisible(c.Content, f)
	}
}

// screenText returns the words a window shows, one item a line: labels,
// texts, buttons, what an entry holds (its hint when empty, dots for a
// password) and a
// select's choice. The screenshot mode writes it next to the picture so
// that a test reads what a user would.
func screenText(o fyne.CanvasObject) []string {
	var lines []string
	add := func(s string) {
		if s != "" {
			lines = append(lines, s)
		}
	}
	walkVisible(o, func(o fyne.CanvasObject) {
		switch w := o.(type) {
		case *widget.Label:
			add(w.Text)
		case *canvas.Text:
			add(w.Text)
		case *widget.Button:
			add(w.Text)
		case *widget.Check:
			add(w.Text)
		case *widget.Select:
			add(w.Selected)
		case *widget.Entry:
			switch {
			case w.Text == "":
				add(w.PlaceHolder)
			case w.Password:
				// As drawn: a secret never leaves the entry.
				add(strings.Repeat("•", utf8.RuneCountInString(w.Text)))
			default:
				add(w.Text)
			}
		}
	})
	return lines
}

// findButton returns the visible button labelled text in o, or nil.
func findButton(o fyne.CanvasObject, text string) *widget.Button {
	var found *widget.Button
	walkVisible(o, func(o fyne.CanvasObject) {
		if b, ok := o.(*widget.Button); ok && found == nil && b.Text == text {
			found = b
		}
	})
	return found
}
