package main

// defaultSocket is where the helper listens unless told otherwise.
const defaultSocket = "/var/run/espresso/helper.sock"

// probeDesktop: macOS always has a menu bar for the status item and a
// notification centre.
func probeDesktop() desktopCaps { return desktopCaps{tray: true, notifications: true} }
