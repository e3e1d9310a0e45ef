//go:build !linux && !darwin && !freebsd

package main

import "github.com/espressovpn/espresso/platform"

// openPlatform fails: Espresso supports Linux, macOS and FreeBSD.
func openPlatform(string) (platform.Network, error) {
	return nil, platform.ErrUnsupported
}
