//go:build !linux

package linux

import "github.com/espressovpn/espresso/platform"

// KillSwitch is the Linux platform.KillSwitch; elsewhere every method
// reports platform.ErrUnsupported.
type KillSwitch struct{}

var _ platform.KillSwitch = (*KillSwitch)(nil)

// KillSwitch reports platform.ErrUnsupported outside Linux.
func (*Network) KillSwitch() (*KillSwitch, error) { return nil, platform.ErrUnsupported }

// Close does nothing.
func (*KillSwitch) Close() error { return nil }

// Engage implements platform.KillSwitch.
func (*KillSwitch) Engage(string, *platform.BlockConfig) error { return platform.ErrUnsupported }

// Release implements platform.KillSwitch.
func (*KillSwitch) Release(string) error { return platform.ErrUnsupported }

// Engaged implements platform.KillSwitch.
func (*KillSwitch) Engaged() ([]string, error) { return nil, platform.ErrUnsupported }
