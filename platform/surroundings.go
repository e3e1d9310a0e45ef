package platform

import (
	"net"
	"net/netip"
)

// Surroundings is what the system tells about the networks it is
// attached to, leaving out the helper's own TUN devices: what a
// profile's trusted networks are recognised by.
type Surroundings struct {
	// Addrs are the addresses of the physical interfaces (loopback and
	// the helper's tunnels left out), unmapped and without zone.
	Addrs []netip.Addr
	// DNSDomains are the search and routing domains of the physical
	// interfaces, lower case and without a trailing dot; nil where the
	// OS does not tell (Surveyor).
	DNSDomains []string
	// GatewayMACs are the link-layer addresses of the default gateways,
	// from the neighbour table; nil where the OS does not tell.
	GatewayMACs []net.HardwareAddr
}

// Surveyor reads the Surroundings. Linux tells addresses, DNS domains
// (systemd-resolved, else /etc/resolv.conf) and the default gateway's
// link-layer address (netlink); macOS and FreeBSD tell addresses only.
type Surveyor interface {
	Survey() (Surroundings, error)
}

// InterfaceAddrs returns the addresses of the interfaces that are up and
// not loopback, leaving out those own reports as the helper's (by index
// and name).
func InterfaceAddrs(own func(index int, name string) bool) ([]netip.Addr, error) {
	ifs, err := net.Interfaces()
	if err != nil {
		return nil, err
	}
	var out []netip.Addr
	for _, ifc := range ifs {
		if ifc.Flags&net.FlagUp == 0 || ifc.Flags&net.FlagLoopback != 0 || own(ifc.Index, ifc.Name) {
			continue
		}
		as, err := ifc.Addrs()
		if err != nil {
			continue // the interface went away meanwhile
		}
		for _, a := range as {
			if ipn, ok := a.(*net.IPNet); ok {
				if ip, ok := netip.AddrFromSlice(ipn.IP); ok {
					out = append(out, ip.Unmap())
				}
			}
		}
	}
	return out, nil
}
