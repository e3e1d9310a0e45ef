//go:build !darwin && !freebsd

package bsd

import "github.com/espressovpn/espresso/platform"

// newOSKernel reports platform.ErrUnsupported outside macOS and FreeBSD.
func newOSKernel(Layout) (kernel, error) {
	return nil, platform.ErrUnsupported
}
