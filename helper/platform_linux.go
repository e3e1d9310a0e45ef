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
