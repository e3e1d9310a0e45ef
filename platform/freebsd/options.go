package freebsd

import (
	"time"

	"github.com/espressovpn/espresso/platform/bsd"
)

// Network is the FreeBSD platform.Network.
type Network = bsd.Network

// Options configure a Network.
type Options struct {
	// StateDir holds the crash records. Required.
	StateDir string
	// Runner runs resolvconf; default bsd.ExecRunner.
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
		Layout:         bsd.FreeBSD,
		DNS:            NewDNS(o.Runner),
		DestroyStale:   true,
		AddressTimeout: o.AddressTimeout,
	}
}
