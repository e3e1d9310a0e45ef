//go:build !linux && !freebsd && !darwin

package main

// probeDesktop: Espresso supports no other desktop; assume the least.
func probeDesktop() desktopCaps { return desktopCaps{} }
