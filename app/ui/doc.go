// Package ui is the desktop app's interface: the main window (profiles,
// their states, the selected connection's details and live throughput),
// the profile editor, the log view, the tray menu and the desktop
// notifications. It renders what the helper reports and sends the user's
// intents to it; it computes no connection state and reads no secret back.
//
// The package does not import fyne.io/fyne/v2/app, so its tests run with
// fyne.io/fyne/v2/test, without cgo or GL. Everything that differs between
// the real app and a test comes in through Config: the helper client, the
// tray, the function that runs code on the UI goroutine, the clock.
//
// Threading: the fields of UI are touched only on the UI goroutine.
// Goroutines that talk to the helper hand their results back through
// Config.Do; UI.Close stops them all and waits.
package ui
