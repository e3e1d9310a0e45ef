package main

import (
	"github.com/espressovpn/espresso/platform"
	"github.com/espressovpn/espresso/platform/bsd"
	"github.com/espressovpn/espresso/platform/freebsd"
)

// openPlatform opens the FreeBSD network platform: one tun device per virtual
// IP, PF_ROUTE routes, DNS through resolvconf(8).
func openPlatform(stateDir string) (platform.Network, error) {
	return freebsd.New(freebsd.Options{StateDir: stateDir})
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
