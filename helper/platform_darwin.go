package main

import (
	"github.com/espressovpn/espresso/platform"
	"github.com/espressovpn/espresso/platform/darwin"
)

// openPlatform opens the macOS network platform: one utun device per virtual
// IP, PF_ROUTE routes, DNS in the system configuration store.
func openPlatform(stateDir string) (platform.Network, error) {
	return darwin.New(darwin.Options{StateDir: stateDir})
}
