package main

// probeDesktop: macOS always has a menu bar for the status item and a
// notification centre.
func probeDesktop() desktopCaps { return desktopCaps{tray: true, notifications: true} }
