package ui

import (
	"context"
	"strconv"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/espressovpn/espresso/helper/api"
)

// maxLogEntries bounds the entries the log view keeps; older ones go.
const maxLogEntries = 5000

// levelChoices filter by severity, least severe shown first.
var levelChoices = []struct {
	label string
	min   int
}{
	{"All levels", 0},
	{"Info and worse", 1},
	{"Warnings and errors", 2},
	{"Errors only", 3},
}

func levelRank(l api.Level) int {
	switch l {
	case api.LevelInfo:
		return 1
	case api.LevelWarn:
		return 2
	case api.LevelError:
		return 3
	}
	return 0
}

// logView is the window that follows the helper's log, with a text and a
// severity filter, and copies what it shows.
type logView struct {
	u       *UI
	win     fyne.Window
	cancel  context.CancelFunc
	entries []api.LogEntry
	shown   []api.LogEntry
	filter  *widget.Entry
	level   *widget.Select
	list    *widget.List
	count   *widget.Label
	copyBtn *widget.Button
	// debug shows and sets the helper's debug level; syncing is set while
	// the view sets it to what the helper says (diagnostics.go).
	debug   *widget.Check
	syncing bool
	// changes counts the user's changes of the check, levelRead whether
	// the helper's level was read since the window opened.
	changes   int
	levelRead bool
	saveBtn   *widget.Button
	// note says what the last change of level or save did.
	note *widget.Label
}

// ShowLog opens the log window, or brings it to the front.
func (u *UI) ShowLog() {
	if u.logs != nil {
		u.logs.win.Show()
		u.logs.win.RequestFocus()
		return
	}
	v := &logView{u: u}
	v.win = u.cfg.App.NewWindow("Log — Espresso")
	v.filter = widget.NewEntry()
	v.filter.SetPlaceHolder("Filter: words in the message or a profile name")
	v.filter.OnChanged = func(string) { v.apply() }
	labels := make([]string, len(levelChoices))
	for i, c := range levelChoices {
		labels[i] = c.label
	}
	v.level = widget.NewSelect(labels, func(string) { v.apply() })
	v.level.SetSelected(labels[0])
	v.list = widget.NewList(
		func() int { return len(v.shown) },
		func() fyne.CanvasObject {
			l := widget.NewLabel("")
			l.TextStyle = fyne.TextStyle{Monospace: true}
			l.Truncation = fyne.TextTruncateEllipsis
			return l
		},
		func(i widget.ListItemID, o fyne.CanvasObject) {
			if i < len(v.shown) {
				l := o.(*widget.Label)
				l.SetText(logLine(v.shown[i]))
				switch levelRank(v.shown[i].Level) {
				case 3:
					l.Importance = widget.DangerImportance
				case 2:
					l.Importance = widget.WarningImportance
				case 0:
					l.Importance = widget.LowImportance
				default:
					l.Importance = widget.MediumImportance
				}
				l.Refresh()
			}
		})
	v.count = widget.NewLabel("")
	v.copyBtn = widget.NewButtonWithIcon("Copy", theme.ContentCopyIcon(), v.copy)
	v.debug = widget.NewCheck(debugLabel, v.setDebug)
	v.saveBtn = widget.NewButtonWithIcon("Save diagnostics…", theme.DocumentSaveIcon(), v.askSave)
	v.note = widget.NewLabel("")
	v.note.Wrapping = fyne.TextWrapWord
	top := container.NewBorder(nil, nil, nil, v.level, v.filter)
	bottom := container.NewVBox(
		container.NewBorder(nil, nil, nil, container.NewHBox(v.debug, v.saveBtn, v.copyBtn), v.count),
		v.note)
	v.win.SetContent(container.NewBorder(container.NewPadded(top), container.NewPadded(bottom), nil, nil, v.list))
	v.win.Resize(fyne.NewSize(860, 520))
	ctx, cancel := context.WithCancel(u.ctx)
	v.cancel = cancel
	v.win.SetOnClosed(func() {
		cancel()
		u.logs = nil
	})
	u.logs = v
	u.goFunc(func() { v.follow(ctx) })
	v.readLevel()
	v.apply()
	v.win.Show()
}

// follow reads the log stream until ctx ends, reopening it after the
// helper restarts. The first read of each stream replays the helper's
// buffer, so entries already shown (by sequence number) are skipped.
func (v *logView) follow(ctx context.Context) {
	var last uint64
	for ctx.Err() == nil {
		s, err := v.u.cfg.Helper.Logs(ctx, true)
		if err == nil {
			for {
				e, err := s.Next()
				if err != nil {
					break
				}
				if e.Seq != 0 && e.Seq <= last {
					continue
				}
				if e.Seq != 0 {
					last = e.Seq
				}
				v.u.cfg.Do(func() { v.add(e) })
			}
			s.Close()
			last = 0 // a restarted helper numbers from 1 again
			v.u.cfg.Do(func() { v.entries = v.entries[:0] })
		}
		select {
		case <-ctx.Done():
		case <-v.u.after(time.Second):
		}
	}
}

func (v *logView) add(e api.LogEntry) {
	v.entries = append(v.entries, e)
	if len(v.entries) > maxLogEntries {
		v.entries = append(v.entries[:0], v.entries[len(v.entries)-maxLogEntries:]...)
	}
	v.apply()
}

// apply filters the entries and redraws.
func (v *logView) apply() {
	if v.list == nil || v.count == nil {
		return
	}
	words := strings.Fields(strings.ToLower(v.filter.Text))
	minLevel := 0
	for _, c := range levelChoices {
		if c.label == v.level.Selected {
			minLevel = c.min
		}
	}
	v.shown = v.shown[:0]
	for _, e := range v.entries {
		if levelRank(e.Level) < minLevel {
			continue
		}
		line := strings.ToLower(e.Connection + " " + e.Message)
		ok := true
		for _, w := range words {
			ok = ok && strings.Contains(line, w)
		}
		if ok {
			v.shown = append(v.shown, e)
		}
	}
	v.count.SetText(countText(len(v.shown), len(v.entries)))
	v.list.Refresh()
	if n := len(v.shown); n > 0 {
		v.list.ScrollToBottom()
	}
}

// copy puts the entries shown on the clipboard, one a line.
func (v *logView) copy() {
	var b strings.Builder
	for _, e := range v.shown {
		b.WriteString(logLine(e))
		b.WriteByte('\n')
	}
	v.u.cfg.App.Clipboard().SetContent(b.String())
}

// logLine writes one entry as the view and the clipboard show it.
func logLine(e api.LogEntry) string {
	conn := ""
	if e.Connection != "" {
		conn = e.Connection + ": "
	}
	return e.Time.Local().Format("2006-01-02 15:04:05") + "  " + strings.ToUpper(string(e.Level)) + "  " + conn + e.Message
}

// countText says how many entries the filter lets through.
func countText(shown, total int) string {
	if shown == total {
		if total == 1 {
			return "1 entry"
		}
		return strconv.Itoa(total) + " entries"
	}
	return strconv.Itoa(shown) + " of " + strconv.Itoa(total) + " entries"
}
