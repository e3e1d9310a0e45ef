package ui

import (
	"strings"

	"fyne.io/fyne/v2"

	"github.com/espressovpn/espresso/app/explain"
	"github.com/espressovpn/espresso/helper/api"
)

// notify sends a desktop notification when a connection comes up, goes
// down, or fails.
func (u *UI) notify(old, c api.ConnectionStatus) {
	var n *fyne.Notification
	switch {
	case c.State == api.StateConnected:
		body := "Your traffic now goes through " + c.Gateway + "."
		if len(c.VirtualIPs) > 0 {
			body = "Your address in the VPN is " + strings.Join(c.VirtualIPs, ", ") + "."
		}
		n = fyne.NewNotification("Connected to "+c.Name, body)
	case c.State == api.StateFailed:
		title := "Could not connect " + c.Name
		if old.State == api.StateConnected || old.State == api.StateReconnecting {
			title = "Connection " + c.Name + " lost"
		}
		n = fyne.NewNotification(title, explain.Status(c, u.profileOf(c.Name)).String())
	case c.State == api.StateReconnecting && old.State == api.StateConnected:
		body := "The tunnel to " + c.Gateway + " was interrupted; Espresso is restoring it."
		if c.ErrorCode != "" || c.LastError != "" {
			body = explain.Status(c, u.profileOf(c.Name)).Problem + ". Espresso is restoring the tunnel to " + c.Gateway + "."
		}
		n = fyne.NewNotification("Reconnecting "+c.Name, body)
	case c.State == api.StateDisconnected && active(old.State):
		n = fyne.NewNotification("Disconnected from "+c.Name, "Your traffic no longer goes through the VPN.")
	}
	if n != nil {
		u.cfg.App.SendNotification(n)
	}
}
