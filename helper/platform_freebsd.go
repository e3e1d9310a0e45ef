package main

import (
	"github.com/espressovpn/espresso/platform"
	"github.com/espressovpn/espresso/platform/freebsd"
)

// openPlatform opens the FreeBSD network platform: one tun device per virtual
// IP, PF_ROUTE routes, DNS through resolvconf(8).
func openPlatform(stateDir string) (platform.Network, error) {
	return freebsd.New(freebsd.Options{StateDir: stateDir})
}
