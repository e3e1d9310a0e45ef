package platform

import "net/netip"

// NextHop is the path the system takes towards a destination: what the
// exclusion route for the IKE peer must keep using once the tunnel's routes
// are in place.
type NextHop struct {
	// Gateway is the router to send through; invalid when the destination
	// is on-link.
	Gateway netip.Addr
	// Interface is the outgoing interface's name.
	Interface string
	// Source is the address the system would choose as source, which the
	// IKE socket can bind to.
	Source netip.Addr
}

// IsValid reports whether h names an outgoing interface.
func (h NextHop) IsValid() bool {
	return h.Interface != ""
}
