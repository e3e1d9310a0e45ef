package datapathtest

import "github.com/espressovpn/espresso/ipsec/datapath"

// Datagram is datapath.Datagram, named here for brevity.
type Datagram = datapath.Datagram

var (
	_ datapath.Device    = (*Device)(nil)
	_ datapath.Transport = (*Transport)(nil)
)
