//go:build !darwin

package darwin

import "github.com/espressovpn/espresso/platform"

// New reports platform.ErrUnsupported outside macOS.
func New(Options) (*Network, error) { return nil, platform.ErrUnsupported }
