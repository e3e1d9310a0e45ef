//go:build darwin || freebsd

package bsd

import (
	"fmt"
	"net"
	"net/netip"
	"os"
	"runtime"
	"syscall"
	"unsafe"

	"golang.org/x/sys/unix"
	"golang.zx2c4.com/wireguard/tun"
)

// osKernel makes the calls for real.
type osKernel struct{}

func newOSKernel(Layout) (kernel, error) { return osKernel{}, nil }

func (osKernel) createTUN(name string, mtu int) (tunDevice, error) {
	dev, err := tun.CreateTUN(name, mtu)
	if err != nil {
		return nil, err
	}
	ifname, err := dev.Name()
	if err != nil {
		dev.Close()
		return nil, err
	}
	iface, err := net.InterfaceByName(ifname)
	if err != nil {
		dev.Close()
		return nil, err
	}
	t := &nativeTUN{Device: dev, name: ifname, index: iface.Index, drained: make(chan struct{})}
	go t.drainEvents()
	return t, nil
}

// nativeTUN is a wireguard-go TUN device with its name and index.
type nativeTUN struct {
	tun.Device
	name    string
	index   int
	drained chan struct{}
}

func (t *nativeTUN) Name() string { return t.name }
func (t *nativeTUN) Index() int   { return t.index }

// drainEvents consumes the device's up, down and MTU events, which
// nothing here needs: left unread they would block the driver's listener
// goroutine and keep it from ending at Close. It ends when Close closes
// the event channel.
func (t *nativeTUN) drainEvents() {
	defer close(t.drained)
	for range t.Events() {
	}
}

// Close closes the device and waits for the event drain to end.
func (t *nativeTUN) Close() error {
	err := t.Device.Close()
	<-t.drained
	return err
}

// ioctl passes the request struct to ioctl(2). x/sys/unix has no exported
// ioctl taking an arbitrary struct on macOS, so this goes through the
// syscall package, which reaches the same libSystem entry point.
func (osKernel) ioctl(req aliasRequest) error {
	family := unix.AF_INET
	if req.inet6 {
		family = unix.AF_INET6
	}
	fd, err := socketCloexec(family, unix.SOCK_DGRAM, 0)
	if err != nil {
		return err
	}
	defer unix.Close(fd)
	_, _, errno := syscall.Syscall(syscall.SYS_IOCTL, uintptr(fd), uintptr(req.cmd), uintptr(unsafe.Pointer(&req.data[0])))
	runtime.KeepAlive(req.data)
	if errno != 0 {
		return errno
	}
	return nil
}

func (osKernel) openRouteSocket() (routeSocket, error) {
	fd, err := socketCloexec(unix.AF_ROUTE, unix.SOCK_RAW, unix.AF_UNSPEC)
	if err != nil {
		return nil, err
	}
	if err := unix.SetNonblock(fd, true); err != nil {
		unix.Close(fd)
		return nil, err
	}
	// A non-blocking descriptor joins the runtime poller, which gives
	// Read its deadline.
	return os.NewFile(uintptr(fd), "route"), nil
}

func (osKernel) interfaceIndex(name string) (int, error) {
	iface, err := net.InterfaceByName(name)
	if err != nil {
		return 0, err
	}
	return iface.Index, nil
}

func (osKernel) interfaceAddrs(name string) ([]netip.Addr, bool, error) {
	iface, err := net.InterfaceByName(name)
	if err != nil {
		// The net package reports a missing interface as an opaque
		// "no such network interface"; any failure to find it counts as
		// absent.
		return nil, false, nil
	}
	as, err := iface.Addrs()
	if err != nil {
		return nil, true, err
	}
	var out []netip.Addr
	for _, a := range as {
		if ipn, ok := a.(*net.IPNet); ok {
			if ip, ok := netip.AddrFromSlice(ipn.IP); ok {
				out = append(out, ip.Unmap())
			}
		}
	}
	return out, true, nil
}

func (osKernel) destroyInterface(name string) error {
	fd, err := socketCloexec(unix.AF_INET, unix.SOCK_DGRAM, 0)
	if err != nil {
		return err
	}
	defer unix.Close(fd)
	var ifr [ifreqLen]byte
	copy(ifr[:unix.IFNAMSIZ-1], name)
	_, _, errno := syscall.Syscall(syscall.SYS_IOCTL, uintptr(fd), uintptr(unix.SIOCIFDESTROY), uintptr(unsafe.Pointer(&ifr[0])))
	if errno != 0 {
		return fmt.Errorf("%s: %w", name, errno)
	}
	return nil
}

// socketCloexec opens a socket that a child process does not inherit.
// macOS has no SOCK_CLOEXEC, so the flag is set under the fork lock, as
// the net package does.
func socketCloexec(family, typ, proto int) (int, error) {
	syscall.ForkLock.RLock()
	defer syscall.ForkLock.RUnlock()
	fd, err := unix.Socket(family, typ, proto)
	if err != nil {
		return -1, err
	}
	unix.CloseOnExec(fd)
	return fd, nil
}
