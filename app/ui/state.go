package ui

import (
	"image/color"

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

// stateColor is the colour of a state's dot and badge.
func stateColor(s api.State) color.Color {
	switch s {
	case api.StateConnected:
		return colorConnected
	case api.StateConnecting, api.StateReconnecting:
		return colorConnecting
	case api.StateFailed:
		return colorFailed
	}
	return colorDisconnected
}

// active reports whether a connection is up or on its way up, so that the
// action offered is Disconnect.
func active(s api.State) bool {
	return s == api.StateConnected || s == api.StateConnecting || s == api.StateReconnecting
}
