package ui

import (
	"image/color"

	"fyne.io/fyne/v2"

	"github.com/espressovpn/espresso/helper/api"
)

// stateText is how a state reads in the window and the tray.
func stateText(s api.State) string {
	switch s {
	case api.StateConnected:
		return "Connected"
	case api.StateConnecting:
		return "Connecting…"
	case api.StateReconnecting:
		return "Reconnecting…"
	case api.StateFailed:
		return "Failed"
	}
	return "Disconnected"
}

// stateColor is the colour of a state's dot and badge in the current
// theme variant.
func stateColor(s api.State) color.Color {
	v := fyne.ThemeVariant(0)
	if a := fyne.CurrentApp(); a != nil {
		v = a.Settings().ThemeVariant()
	}
	return stateColorIn(s, v)
}

// stateColorIn is stateColor in variant v.
func stateColorIn(s api.State, v fyne.ThemeVariant) color.Color {
	p := paletteOf(v)
	switch s {
	case api.StateConnected:
		return p.connected
	case api.StateConnecting, api.StateReconnecting:
		return p.connecting
	case api.StateFailed:
		return p.failed
	}
	return p.disconnected
}

// active reports whether a connection is up or on its way up, so that the
// action offered is Disconnect.
func active(s api.State) bool {
	return s == api.StateConnected || s == api.StateConnecting || s == api.StateReconnecting
}
