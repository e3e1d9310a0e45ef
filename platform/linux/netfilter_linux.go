package linux

import (
	"net"
	"net/netip"
	"strings"

	"github.com/espressovpn/espresso/platform"
	"github.com/vishvananda/netlink"
	"golang.org/x/sys/unix"
)

// netState decides which netlink notifications are changes of the network
// the connections run over. It remembers the default routes of the main
// table, the addresses and the links' state, so that a notification that
// repeats what is known (an address's lifetimes refreshed by a router
// advertisement, a route replaced by itself) is no change. The helper's
// own devices (the TUN name pattern) and routing table are not watched.
type netState struct {
	tunPrefix string

	// names are the interfaces' names by index, learnt from the link
	// notifications, which the kernel sends before any about an
	// interface's addresses and routes.
	names  map[int]string
	routes map[defaultRoute]bool
	addrs  map[localAddr]bool
	links  map[int]bool // index → up with carrier
}

type defaultRoute struct {
	family   int
	gw       netip.Addr
	dev      int
	priority int
}

type localAddr struct {
	dev  int
	addr netip.Prefix
}

func newNetState(tunPattern string) *netState {
	return &netState{
		tunPrefix: strings.TrimSuffix(tunPattern, "*"),
		names:     map[int]string{},
		routes:    map[defaultRoute]bool{},
		addrs:     map[localAddr]bool{},
		links:     map[int]bool{},
	}
}

// ignored reports whether the interface with index i is the helper's own
// or loopback, whose changes say nothing about the network. An interface
// not heard of yet counts as a real one: reporting one change too many
// costs a liveness check, missing one a connection.
func (s *netState) ignored(i int) bool {
	return s.ignoredName(s.names[i])
}

func (s *netState) ignoredName(n string) bool {
	return n == "lo" || (n != "" && strings.HasPrefix(n, s.tunPrefix))
}

// route handles a route notification (or a listed route, with add true).
func (s *netState) route(r netlink.Route, add bool) platform.Change {
	if r.Table != unix.RT_TABLE_MAIN || r.Type != unix.RTN_UNICAST || !isDefault(r.Dst) {
		return 0
	}
	if r.LinkIndex != 0 && s.ignored(r.LinkIndex) {
		return 0
	}
	k := defaultRoute{family: r.Family, dev: r.LinkIndex, priority: r.Priority}
	if gw, ok := netip.AddrFromSlice(r.Gw); ok {
		k.gw = gw.Unmap()
	}
	if s.routes[k] == add {
		return 0
	}
	if add {
		s.routes[k] = true
	} else {
		delete(s.routes, k)
	}
	return platform.ChangeRoute
}

func isDefault(dst *net.IPNet) bool {
	if dst == nil {
		return true
	}
	ones, _ := dst.Mask.Size()
	return ones == 0
}

// addr handles an address notification. IPv6 link-local addresses come
// and go with their links, which are reported themselves.
func (s *netState) addr(dev int, ipn net.IPNet, add bool) platform.Change {
	a, ok := netip.AddrFromSlice(ipn.IP)
	if !ok || s.ignored(dev) {
		return 0
	}
	a = a.Unmap()
	if a.IsLinkLocalUnicast() || a.IsLoopback() {
		return 0
	}
	ones, _ := ipn.Mask.Size()
	k := localAddr{dev: dev, addr: netip.PrefixFrom(a, ones)}
	if s.addrs[k] == add {
		return 0
	}
	if add {
		s.addrs[k] = true
	} else {
		delete(s.addrs, k)
	}
	return platform.ChangeAddress
}

// link handles a link notification: a change is a link gaining or losing
// "up with carrier", or one that was so going away.
func (s *netState) link(attrs *netlink.LinkAttrs, deleted bool) platform.Change {
	if deleted {
		delete(s.names, attrs.Index)
	} else {
		s.names[attrs.Index] = attrs.Name
	}
	if s.ignoredName(attrs.Name) {
		return 0
	}
	was := s.links[attrs.Index]
	now := !deleted && attrs.Flags&net.FlagUp != 0 && attrs.RawFlags&unix.IFF_RUNNING != 0
	if deleted {
		delete(s.links, attrs.Index)
	} else {
		s.links[attrs.Index] = now
	}
	if was == now {
		return 0
	}
	return platform.ChangeLink
}
