package bsd

import (
	"errors"
	"net/netip"
	"syscall"
	"time"

	"github.com/espressovpn/espresso/platform"
)

// kernel is every call the package makes into the operating system. The
// messages and request structs it carries are built by the portable code;
// tests replace it with a recorder that compares them with golden bytes.
type kernel interface {
	// createTUN opens a new TUN device; name is the pattern the TUN
	// driver takes ("utun" on macOS, "" for the next free tunN on
	// FreeBSD).
	createTUN(name string, mtu int) (tunDevice, error)
	// ioctl issues req on a datagram socket of the request's family.
	ioctl(req aliasRequest) error
	// openRouteSocket opens a PF_ROUTE socket.
	openRouteSocket() (routeSocket, error)
	// interfaceIndex returns the index of the interface called name.
	interfaceIndex(name string) (int, error)
	// interfaceAddrs returns the addresses of the interface called name;
	// ok is false when there is no such interface.
	interfaceAddrs(name string) (addrs []netip.Addr, ok bool, err error)
	// destroyInterface removes a cloned interface (SIOCIFDESTROY).
	destroyInterface(name string) error
}

// tunDevice is an open TUN device.
type tunDevice interface {
	platform.Device
	// Name is the interface name, such as utun5 or tun2.
	Name() string
	// Index is the interface index.
	Index() int
	// Close closes the device; the kernel then removes the interface (and
	// every route through it) on macOS, and the kernel interface code
	// destroys it on FreeBSD.
	Close() error
}

// routeSocket is an open PF_ROUTE socket: each Write sends one message,
// each Read returns one.
type routeSocket interface {
	Write(b []byte) (int, error)
	Read(b []byte) (int, error)
	SetReadDeadline(t time.Time) error
	Close() error
}

// isGone reports whether a delete failed only because its object was
// already missing, which teardown and recovery count as done.
func isGone(err error) bool {
	return errors.Is(err, syscall.ESRCH) || errors.Is(err, syscall.ENOENT) ||
		errors.Is(err, syscall.ENXIO) || errors.Is(err, syscall.EADDRNOTAVAIL)
}

// isExist reports whether an add failed because an equal route is there.
func isExist(err error) bool {
	return errors.Is(err, syscall.EEXIST)
}
