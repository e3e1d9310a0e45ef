//go:build !linux && !darwin && !freebsd

package main

import "github.com/espressovpn/espresso/platform"

// openPlatform fails: Espresso supports Linux, macOS and FreeBSD.
func openPlatform(string) (platform.Network, error) {
	return nil, platform.ErrUnsupported
}

// openKillSwitch fails likewise.
func openKillSwitch(platform.Network) (platform.KillSwitch, error) {
	return nil, platform.ErrUnsupported
}

// openMonitor fails likewise.
func openMonitor(platform.Network) (platform.Monitor, error) {
	return nil, platform.ErrUnsupported
}
