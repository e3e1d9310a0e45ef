package main

import (
	"github.com/espressovpn/espresso/platform"
	"github.com/espressovpn/espresso/platform/bsd"
	"github.com/espressovpn/espresso/platform/darwin"
)

// openPlatform opens the macOS network platform: one utun device per virtual
// IP, PF_ROUTE routes, DNS in the system configuration store.
func openPlatform(stateDir string) (platform.Network, error) {
	return darwin.New(darwin.Options{StateDir: stateDir})
}

// openKillSwitch: the kill switch needs socket marks and policy routing,
// which this OS lacks.
func openKillSwitch(platform.Network) (platform.KillSwitch, error) {
	return nil, platform.ErrUnsupported
}

// openMonitor follows the routing socket.
func openMonitor(n platform.Network) (platform.Monitor, error) {
	return n.(*bsd.Network).Monitor(bsd.MonitorOptions{})
}
