//go:build !linux && !darwin && !freebsd

package service

// Default paths elsewhere; the helper supports Linux, macOS and FreeBSD.
var Default = Paths{Socket: "/var/run/espresso/helper.sock", StateDir: "/var/lib/espresso"}
