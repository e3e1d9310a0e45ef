//go:build !linux

package main

// gatewayLabAvailable: the gateway lab (network namespaces, strongSwan)
// is Linux-only, so elsewhere the fake helper serves the screenshots.
func gatewayLabAvailable() bool { return false }
