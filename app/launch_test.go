package main

import "testing"

// --hidden starts in the tray only when there is one: without a tray the
// window opens, or the app would run where no one can see it.
func TestOpensWindow(t *testing.T) {
	for _, c := range []struct {
		l    launch
		tray bool
		want bool
	}{
		{launch{}, true, true},
		{launch{}, false, true},
		{launch{hidden: true}, true, false},
		{launch{hidden: true}, false, true},
		{launch{hidden: true, open: []string{"work.sswan"}}, true, true},
	} {
		if got := c.l.opensWindow(c.tray); got != c.want {
			t.Errorf("hidden %v, open %q, tray %v: opens window %v, want %v", c.l.hidden, c.l.open, c.tray, got, c.want)
		}
	}
}
