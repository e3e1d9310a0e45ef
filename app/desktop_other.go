//go:build !linux && !freebsd && !darwin

package main

// defaultSocket is where the helper listens unless told otherwise.
const defaultSocket = "/var/run/espresso/helper.sock"

// probeDesktop: Espresso supports no other desktop; assume the least.
func probeDesktop() desktopCaps { return desktopCaps{} }
