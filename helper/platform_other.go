//go:build !linux

package main

import (
	"github.com/espressovpn/espresso/helper/api"
	"github.com/espressovpn/espresso/helper/conn"
	"github.com/espressovpn/espresso/helper/logring"
	"github.com/espressovpn/espresso/platform"
)

// recoverPlatform has no platform to open yet on this OS: the macOS and
// FreeBSD platforms are still to come, and without them the helper makes
// no system changes that could need undoing.
func recoverPlatform(_ string, log *logring.Ring) (platform.Network, error) {
	log.Logf(api.LevelWarn, "", "no network platform for this OS yet; connections are not available")
	return nil, nil
}

// newDialer returns the Dialer that connects profiles over network.
func newDialer(platform.Network) conn.Dialer { return conn.UnavailableDialer{} }
