// Package icons embeds the application icon and the tray icons. The PNGs
// are copies of those in assets/ (drawn by assets/gen_icons.go), kept here
// because go:embed reaches no file outside its package's directory; a test
// checks that the copies match.
package icons

import (
	_ "embed"

	"fyne.io/fyne/v2"
)

var (
	//go:embed icon.png
	appIcon []byte
	//go:embed tray-disconnected.png
	trayDisconnected []byte
	//go:embed tray-connecting.png
	trayConnecting []byte
	//go:embed tray-connected.png
	trayConnected []byte
)

// App is the application icon.
var App = fyne.NewStaticResource("icon.png", appIcon)

// Tray icons for the three states the tray shows.
var (
	// TrayDisconnected shows that no connection is up.
	TrayDisconnected = fyne.NewStaticResource("tray-disconnected.png", trayDisconnected)
	// TrayConnecting shows that a connection is being established.
	TrayConnecting = fyne.NewStaticResource("tray-connecting.png", trayConnecting)
	// TrayConnected shows that a connection is up.
	TrayConnected = fyne.NewStaticResource("tray-connected.png", trayConnected)
)
