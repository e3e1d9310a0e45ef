package linux

import (
	"errors"
	"net"

	"github.com/vishvananda/netlink"
	"golang.org/x/sys/unix"
)

// kernel is the handful of netlink calls the package makes. Tests replace
// it with a recorder and compare the calls against golden files.
type kernel interface {
	LinkByName(name string) (netlink.Link, error)
	LinkByIndex(index int) (netlink.Link, error)
	LinkSetMTU(link netlink.Link, mtu int) error
	LinkSetUp(link netlink.Link) error
	LinkDel(link netlink.Link) error
	AddrReplace(link netlink.Link, addr *netlink.Addr) error
	AddrDel(link netlink.Link, addr *netlink.Addr) error
	RouteReplace(route *netlink.Route) error
	RouteDel(route *netlink.Route) error
	RuleAdd(rule *netlink.Rule) error
	RuleDel(rule *netlink.Rule) error
	RouteGet(dst net.IP) ([]netlink.Route, error)
}

// netlinkKernel sends the calls to the kernel of the network namespace of
// the calling thread.
type netlinkKernel struct{}

func (netlinkKernel) LinkByName(name string) (netlink.Link, error) { return netlink.LinkByName(name) }
func (netlinkKernel) LinkByIndex(i int) (netlink.Link, error)      { return netlink.LinkByIndex(i) }
func (netlinkKernel) LinkSetMTU(l netlink.Link, mtu int) error     { return netlink.LinkSetMTU(l, mtu) }
func (netlinkKernel) LinkSetUp(l netlink.Link) error               { return netlink.LinkSetUp(l) }
func (netlinkKernel) LinkDel(l netlink.Link) error                 { return netlink.LinkDel(l) }
func (netlinkKernel) AddrReplace(l netlink.Link, a *netlink.Addr) error {
	return netlink.AddrReplace(l, a)
}
func (netlinkKernel) AddrDel(l netlink.Link, a *netlink.Addr) error { return netlink.AddrDel(l, a) }
func (netlinkKernel) RouteReplace(r *netlink.Route) error           { return netlink.RouteReplace(r) }
func (netlinkKernel) RouteDel(r *netlink.Route) error               { return netlink.RouteDel(r) }
func (netlinkKernel) RuleAdd(r *netlink.Rule) error                 { return netlink.RuleAdd(r) }
func (netlinkKernel) RuleDel(r *netlink.Rule) error                 { return netlink.RuleDel(r) }
func (netlinkKernel) RouteGet(dst net.IP) ([]netlink.Route, error)  { return netlink.RouteGet(dst) }

// isGone reports whether a delete failed only because the object was
// already missing, which teardown and recovery treat as success.
func isGone(err error) bool {
	var nf netlink.LinkNotFoundError
	return errors.Is(err, unix.ESRCH) || errors.Is(err, unix.ENOENT) ||
		errors.Is(err, unix.ENODEV) || errors.Is(err, unix.EADDRNOTAVAIL) ||
		errors.As(err, &nf)
}

// isExist reports whether an add failed because the object is present.
func isExist(err error) bool {
	return errors.Is(err, unix.EEXIST)
}
