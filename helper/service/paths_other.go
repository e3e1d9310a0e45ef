//go:build !linux && !darwin && !freebsd

package service

import "github.com/espressovpn/espresso/helper/api"

// Default paths elsewhere; the helper supports Linux, macOS and FreeBSD.
var Default = Paths{Socket: api.DefaultSocket, StateDir: "/var/lib/espresso"}
