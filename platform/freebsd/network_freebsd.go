package freebsd

import "github.com/espressovpn/espresso/platform/bsd"

// New returns the FreeBSD Network.
func New(opts Options) (*Network, error) {
	return bsd.New(opts.bsd())
}
