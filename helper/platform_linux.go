package main

import (
	"github.com/espressovpn/espresso/platform"
	"github.com/espressovpn/espresso/platform/linux"
)

// openPlatform opens the Linux network platform: one shared TUN device,
// routes in a dedicated table, systemd-resolved or resolv.conf.
func openPlatform(stateDir string) (platform.Network, error) {
	return linux.New(linux.Options{StateDir: stateDir})
}

// openKillSwitch opens the nftables kill switch.
func openKillSwitch(n platform.Network) (platform.KillSwitch, error) {
	return n.(*linux.Network).KillSwitch()
}

// openMonitor follows links, addresses, routes and sleep over netlink and
// logind.
func openMonitor(n platform.Network) (platform.Monitor, error) {
	return n.(*linux.Network).Monitor(linux.MonitorOptions{})
}
