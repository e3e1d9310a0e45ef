//go:build !linux && !darwin && !freebsd

package api

// DefaultSocket is where the helper listens unless told otherwise.
const DefaultSocket = "/var/run/espresso/helper.sock"
