//go:build !linux

package linux

import (
	"net/netip"

	"github.com/espressovpn/espresso/ipsec/socket"
	"github.com/espressovpn/espresso/platform"
)

// Network is the Linux platform.Network; elsewhere every method reports
// platform.ErrUnsupported.
type Network struct{}

var _ platform.Network = (*Network)(nil)

// New reports platform.ErrUnsupported outside Linux.
func New(Options) (*Network, error) { return nil, platform.ErrUnsupported }

// Open implements platform.Network.
func (*Network) Open(string) (platform.Tunnel, error) { return nil, platform.ErrUnsupported }

// Recover implements platform.Network.
func (*Network) Recover() error { return platform.ErrUnsupported }

// RouteTo implements platform.Network.
func (*Network) RouteTo(netip.Addr) (platform.NextHop, error) {
	return platform.NextHop{}, platform.ErrUnsupported
}

// ListenUDP implements platform.Network.
func (*Network) ListenUDP(platform.UDPConfig) (socket.Transport, error) {
	return nil, platform.ErrUnsupported
}

// ListenRawESP implements platform.Network.
func (*Network) ListenRawESP(platform.RawESPConfig) (socket.Transport, error) {
	return nil, platform.ErrUnsupported
}

// Survey implements platform.Surveyor.
func (*Network) Survey() (platform.Surroundings, error) {
	return platform.Surroundings{}, platform.ErrUnsupported
}
