package linux

import (
	"fmt"
	"net"
	"net/netip"

	"github.com/vishvananda/netlink"
	"golang.org/x/sys/unix"
)

// Route types, as stored in a routeSpec.
const (
	routeUnicast     = "unicast"
	routeThrow       = "throw"       // continue with the next policy rule
	routeUnreachable = "unreachable" // refuse: the kill switch
)

// addrSpec is an address on a device.
type addrSpec struct {
	Dev    string       `json:"dev"`
	Prefix netip.Prefix `json:"prefix"`
}

// routeSpec is a route the package installs. It is comparable, so applied
// routes can be kept in a set, and is what the crash record stores.
type routeSpec struct {
	Table   int          `json:"table"`
	Type    string       `json:"type"`
	Dst     netip.Prefix `json:"dst"`
	Dev     string       `json:"dev,omitempty"`
	Gateway netip.Addr   `json:"via,omitzero"`
	Src     netip.Addr   `json:"src,omitzero"`
	Metric  int          `json:"metric,omitempty"`
}

// ruleSpec is a policy routing rule the package installs.
type ruleSpec struct {
	Family   int    `json:"family"`
	Table    int    `json:"table"`
	Priority int    `json:"priority"`
	Mark     uint32 `json:"fwmark,omitempty"`
	Invert   bool   `json:"invert,omitempty"`
}

func ipNet(p netip.Prefix) *net.IPNet {
	p = p.Masked()
	return &net.IPNet{IP: p.Addr().AsSlice(), Mask: net.CIDRMask(p.Bits(), p.Addr().BitLen())}
}

func ipOf(a netip.Addr) net.IP {
	if !a.IsValid() {
		return nil
	}
	return a.AsSlice()
}

func family(a netip.Addr) int {
	if a.Is4() {
		return unix.AF_INET
	}
	return unix.AF_INET6
}

func (a addrSpec) netlink() *netlink.Addr {
	return &netlink.Addr{IPNet: &net.IPNet{
		IP:   a.Prefix.Addr().AsSlice(),
		Mask: net.CIDRMask(a.Prefix.Bits(), a.Prefix.Addr().BitLen()),
	}}
}

// netlink converts r; linkIndex is the index of r.Dev (0 when r has none).
func (r routeSpec) netlink(linkIndex int) (*netlink.Route, error) {
	nr := &netlink.Route{
		Table:     r.Table,
		Dst:       ipNet(r.Dst),
		Family:    family(r.Dst.Addr()),
		LinkIndex: linkIndex,
		Gw:        ipOf(r.Gateway),
		Src:       ipOf(r.Src),
		Priority:  r.Metric,
		Protocol:  unix.RTPROT_STATIC,
		Scope:     netlink.SCOPE_UNIVERSE,
	}
	switch r.Type {
	case routeUnicast:
		nr.Type = unix.RTN_UNICAST
		if !r.Gateway.IsValid() {
			// A route without next hop reaches its destinations directly
			// through the device, like "ip route add ... dev X".
			nr.Scope = netlink.SCOPE_LINK
		}
	case routeThrow:
		nr.Type = unix.RTN_THROW
	case routeUnreachable:
		nr.Type = unix.RTN_UNREACHABLE
	default:
		return nil, fmt.Errorf("route type %q", r.Type)
	}
	return nr, nil
}

func (r ruleSpec) netlink() *netlink.Rule {
	nr := netlink.NewRule()
	nr.Family = r.Family
	nr.Table = r.Table
	nr.Priority = r.Priority
	if r.Mark != 0 {
		mask := uint32(0xffffffff)
		nr.Mark = r.Mark
		nr.Mask = &mask
		nr.Invert = r.Invert
	}
	return nr
}
