//go:build !linux

package platform

import "net"

// MarkedResolver returns net.DefaultResolver: socket marks, and the kill
// switch that needs them, are Linux's.
func MarkedResolver(uint32) *net.Resolver { return net.DefaultResolver }
