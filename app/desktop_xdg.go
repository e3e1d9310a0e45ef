//go:build linux || freebsd

package main

import (
	"github.com/godbus/dbus/v5"
)

// probeDesktop asks the session bus what the desktop offers. Fyne's tray
// speaks the StatusNotifierItem protocol over D-Bus: without a session bus
// it panics on quit, and without a StatusNotifierWatcher its icon shows
// nowhere. Notifications go to org.freedesktop.Notifications.
func probeDesktop() desktopCaps {
	conn, err := dbus.SessionBusPrivate()
	if err != nil {
		return desktopCaps{}
	}
	defer conn.Close()
	if conn.Auth(nil) != nil || conn.Hello() != nil {
		return desktopCaps{}
	}
	has := func(name string) bool {
		var ok bool
		err := conn.BusObject().Call("org.freedesktop.DBus.NameHasOwner", 0, name).Store(&ok)
		return err == nil && ok
	}
	return desktopCaps{
		tray:          has("org.kde.StatusNotifierWatcher"),
		notifications: has("org.freedesktop.Notifications"),
	}
}
