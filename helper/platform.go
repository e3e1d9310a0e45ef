package main

import (
	"fmt"

	"github.com/espressovpn/espresso/helper/api"
	"github.com/espressovpn/espresso/helper/conn"
	"github.com/espressovpn/espresso/helper/logring"
	"github.com/espressovpn/espresso/platform"
)

// recoverPlatform opens this OS's network platform and undoes every route,
// rule, address, DNS change and device a crashed helper left behind, before
// anything is served.
func recoverPlatform(stateDir string, log *logring.Ring) (platform.Network, error) {
	n, err := openPlatform(stateDir)
	if err != nil {
		return nil, fmt.Errorf("platform: %w", err)
	}
	if err := n.Recover(); err != nil {
		return nil, fmt.Errorf("cleaning up after the previous helper: %w", err)
	}
	log.Logf(api.LevelInfo, "", "system state of any previous helper cleaned up")
	return n, nil
}

// newDialer returns the Dialer that connects profiles over network. The
// IKEv2 initiator is not wired in yet, so it is the honest stand-in; the
// integration replaces this one function.
func newDialer(platform.Network) conn.Dialer { return conn.UnavailableDialer{} }
