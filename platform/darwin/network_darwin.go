package darwin

import "github.com/espressovpn/espresso/platform/bsd"

// New returns the macOS Network.
func New(opts Options) (*Network, error) {
	return bsd.New(opts.bsd())
}
