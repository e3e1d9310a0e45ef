package darwin

import (
	"time"

	"github.com/espressovpn/espresso/platform/bsd"
)

// Network is the macOS platform.Network.
type Network = bsd.Network

// Options configure a Network.
type Options struct {
	// StateDir holds the crash records. Required.
	StateDir string
	// Runner runs scutil; default bsd.ExecRunner.
	Runner bsd.Runner
	// AddressTimeout bounds the wait for the kernel to announce a new
	// address; default 5s.
	AddressTimeout time.Duration
}

func (o Options) bsd() bsd.Options {
	if o.Runner == nil {
		o.Runner = bsd.ExecRunner{}
	}
	return bsd.Options{
		StateDir:       o.StateDir,
		Layout:         bsd.Darwin,
		TUNName:        "utun",
		DNS:            NewDNS(o.Runner),
		AddressTimeout: o.AddressTimeout,
	}
}
