//go:build !freebsd

package freebsd

import "github.com/espressovpn/espresso/platform"

// New reports platform.ErrUnsupported outside FreeBSD.
func New(Options) (*Network, error) { return nil, platform.ErrUnsupported }
