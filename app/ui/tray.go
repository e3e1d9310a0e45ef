package ui

import (
	"fmt"
	"strings"

	"fyne.io/fyne/v2"

	"github.com/espressovpn/espresso/app/explain"
	"github.com/espressovpn/espresso/app/internal/icons"
	"github.com/espressovpn/espresso/app/watch"
	"github.com/espressovpn/espresso/helper/api"
)

// TrayState is what the tray icon shows: the most advanced state of any
// connection.
type TrayState int

// States of the tray icon.
const (
	// TrayDisconnected: nothing is up.
	TrayDisconnected TrayState = iota
	// TrayConnecting: a connection is being established or re-established.
	TrayConnecting
	// TrayConnected: a connection is up.
	TrayConnected
)

// trayState sums up every connection for the icon.
func trayState(conns []api.ConnectionStatus) TrayState {
	s := TrayDisconnected
	for _, c := range conns {
		switch c.State {
		case api.StateConnected:
			return TrayConnected
		case api.StateConnecting, api.StateReconnecting:
			s = TrayConnecting
		}
	}
	return s
}

// trayIcon returns the icon of s.
func trayIcon(s TrayState) fyne.Resource {
	switch s {
	case TrayConnected:
		return icons.TrayConnected
	case TrayConnecting:
		return icons.TrayConnecting
	}
	return icons.TrayDisconnected
}

// trayMenu lists every profile with the action it offers, then Show and
// Quit.
func (u *UI) trayMenu() *fyne.Menu {
	var items []*fyne.MenuItem
	if u.link != watch.LinkUp {
		it := fyne.NewMenuItem("Helper not running", nil)
		it.Disabled = true
		items = append(items, it)
	}
	for _, c := range u.conns {
		name := c.Name
		label := "Connect " + name
		if active(c.State) {
			state := strings.TrimSuffix(strings.ToLower(stateText(c.State)), "…")
			if c.State == api.StateReconnecting && c.Reconnect != nil {
				// The attempt, not the countdown: a menu rebuilt every
				// second makes some trays flicker.
				state += fmt.Sprintf(", attempt %d", c.Reconnect.Attempt)
			}
			label = "Disconnect " + name + " (" + state + ")"
		}
		it := fyne.NewMenuItem(label, func() { u.Toggle(name) })
		it.Checked = c.State == api.StateConnected
		items = append(items, it)
		if c.State == api.StateReconnecting && (c.ErrorCode != "" || c.LastError != "") {
			why := fyne.NewMenuItem(explain.Status(c, u.profileOf(name)).Problem, nil)
			why.Disabled = true
			items = append(items, why)
		}
	}
	if len(items) > 0 {
		items = append(items, fyne.NewMenuItemSeparator())
	}
	items = append(items, fyne.NewMenuItem("Show Espresso", u.Show))
	if a := u.cfg.Autostart; a != nil {
		it := fyne.NewMenuItem("Start at login", func() { u.toggleAutostart() })
		it.Checked = a.Enabled()
		items = append(items, it)
	}
	quit := fyne.NewMenuItem("Quit", u.cfg.Quit)
	quit.IsQuit = true
	items = append(items, quit)
	return fyne.NewMenu("Espresso", items...)
}

// refreshTray updates the tray icon and menu when what they show changed;
// rebuilding an unchanged menu would make some trays flicker.
func (u *UI) refreshTray() {
	if u.cfg.Tray == nil {
		return
	}
	m := u.trayMenu()
	var key strings.Builder
	key.WriteByte(byte('0' + trayState(u.conns)))
	for _, it := range m.Items {
		key.WriteString("|" + it.Label)
		if it.Checked {
			key.WriteString("✓")
		}
	}
	if key.String() == u.trayKey {
		return
	}
	u.trayKey = key.String()
	u.cfg.Tray.SetSystemTrayMenu(m)
	u.cfg.Tray.SetSystemTrayIcon(trayIcon(trayState(u.conns)))
}

// toggleAutostart turns starting at login on or off and shows the menu's
// new state; a failure shows in the banner.
func (u *UI) toggleAutostart() {
	a := u.cfg.Autostart
	if err := a.SetEnabled(!a.Enabled()); err != nil {
		u.problem = &problem{sentence: explain.Sentence{
			Problem: fmt.Sprintf("Could not change starting at login: %v", err),
			Next:    "Check that your configuration directory can be written.",
		}}
		u.main.banner.refresh()
	}
	u.refreshTray()
}
