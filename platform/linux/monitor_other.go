//go:build !linux

package linux

import "github.com/espressovpn/espresso/platform"

// Monitor is the Linux platform.Monitor; it exists only on Linux.
type Monitor struct{}

var _ platform.Monitor = (*Monitor)(nil)

// Monitor reports platform.ErrUnsupported outside Linux.
func (*Network) Monitor(MonitorOptions) (*Monitor, error) { return nil, platform.ErrUnsupported }

// Changes implements platform.Monitor; it never delivers.
func (*Monitor) Changes() <-chan platform.Change { return nil }

// Close implements platform.Monitor.
func (*Monitor) Close() error { return nil }
