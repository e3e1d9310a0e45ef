package ui

import (
	"strings"
	"testing"

	"fyne.io/fyne/v2/test"

	"github.com/espressovpn/espresso/helper/api"
)

func TestLogViewFiltersAndCopies(t *testing.T) {
	h := newHarness(t, options{})
	h.fake.Log(api.LevelInfo, "", "helper started")
	h.fake.Log(api.LevelError, "work", "no response from vpn.example.com")
	h.u.ShowLog()
	v := h.u.logs
	h.until("buffered entries", func() bool { return len(v.entries) == 2 })
	h.fake.Log(api.LevelWarn, "office", "retransmitting IKE_SA_INIT")
	h.until("followed entry", func() bool { return len(v.entries) == 3 })
	if v.count.Text != "3 entries" {
		t.Errorf("count = %q", v.count.Text)
	}
	test.Type(v.filter, "work")
	if len(v.shown) != 1 || v.shown[0].Connection != "work" || v.count.Text != "1 of 3 entries" {
		t.Errorf("filtered by word: %+v, %q", v.shown, v.count.Text)
	}
	v.filter.SetText("")
	v.level.SetSelected("Warnings and errors")
	if len(v.shown) != 2 {
		t.Errorf("filtered by level: %d shown", len(v.shown))
	}
	test.Tap(v.copyBtn)
	got := h.app.Clipboard().Content()
	lines := strings.Split(strings.TrimSpace(got), "\n")
	if len(lines) != 2 || !strings.Contains(lines[0], "ERROR  work: no response from vpn.example.com") ||
		!strings.Contains(lines[1], "WARN  office: retransmitting") {
		t.Errorf("clipboard = %q", got)
	}
}
