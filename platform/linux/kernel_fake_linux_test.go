package linux

import (
	"context"
	"fmt"
	"net"
	"strings"
	"sync"

	"github.com/espressovpn/espresso/platform/platformtest"
	"github.com/vishvananda/netlink"
	"golang.org/x/sys/unix"
)

// fakeKernel records every netlink call as a line in the style of ip(8)
// and keeps the links, so that tests compare what the package asks of the
// kernel against golden files.
type fakeKernel struct {
	mu    sync.Mutex
	calls []string
	links map[string]int
	fail  map[string]error // call prefix → error
	next  int
}

func newFakeKernel() *fakeKernel {
	return &fakeKernel{links: map[string]int{"lo": 1, "eth0": 2}, fail: map[string]error{}, next: 10}
}

func (k *fakeKernel) log(format string, args ...any) error {
	line := fmt.Sprintf(format, args...)
	k.calls = append(k.calls, line)
	for prefix, err := range k.fail {
		if strings.HasPrefix(line, prefix) {
			return err
		}
	}
	return nil
}

// take returns the calls recorded since the last take.
func (k *fakeKernel) take() []string {
	k.mu.Lock()
	defer k.mu.Unlock()
	c := k.calls
	k.calls = nil
	return c
}

// factory creates fake TUN devices named from the pattern, as the kernel
// does with %d.
func (k *fakeKernel) factory(pattern string, mtu int) (tunDevice, string, error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	name := ""
	for i := 0; ; i++ {
		name = strings.Replace(pattern, "%d", fmt.Sprint(i), 1)
		if _, used := k.links[name]; !used {
			break
		}
	}
	k.links[name] = k.next
	k.next++
	if err := k.log("tuntap add %s mtu %d", name, mtu); err != nil {
		delete(k.links, name)
		return nil, "", err
	}
	return &fakeTUN{Device: platformtest.NewDevice(name), k: k, name: name}, name, nil
}

// fakeTUN is a fake device whose Close removes its link, as closing a
// non-persistent TUN device's descriptor does.
type fakeTUN struct {
	*platformtest.Device
	k    *fakeKernel
	name string
}

func (d *fakeTUN) Close() error {
	d.k.vanish(d.name)
	return d.Device.Close()
}

// vanish removes a link without recording a call: the kernel does it when
// the last descriptor of a TUN device closes.
func (k *fakeKernel) vanish(name string) {
	k.mu.Lock()
	defer k.mu.Unlock()
	delete(k.links, name)
}

func (k *fakeKernel) nameOf(index int) string {
	for n, i := range k.links {
		if i == index {
			return n
		}
	}
	return fmt.Sprintf("if%d", index)
}

func (k *fakeKernel) LinkByName(name string) (netlink.Link, error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	i, ok := k.links[name]
	if !ok {
		return nil, netlink.LinkNotFoundError{}
	}
	return &netlink.Tuntap{LinkAttrs: netlink.LinkAttrs{Name: name, Index: i}}, nil
}

func (k *fakeKernel) LinkByIndex(index int) (netlink.Link, error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	for n, i := range k.links {
		if i == index {
			return &netlink.Tuntap{LinkAttrs: netlink.LinkAttrs{Name: n, Index: i}}, nil
		}
	}
	return nil, netlink.LinkNotFoundError{}
}

func (k *fakeKernel) LinkSetMTU(l netlink.Link, mtu int) error {
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.log("link set %s mtu %d", l.Attrs().Name, mtu)
}

func (k *fakeKernel) LinkSetUp(l netlink.Link) error {
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.log("link set %s up", l.Attrs().Name)
}

func (k *fakeKernel) LinkDel(l netlink.Link) error {
	k.mu.Lock()
	defer k.mu.Unlock()
	delete(k.links, l.Attrs().Name)
	return k.log("link del %s", l.Attrs().Name)
}

func (k *fakeKernel) AddrReplace(l netlink.Link, a *netlink.Addr) error {
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.log("addr replace %s dev %s", a.IPNet, l.Attrs().Name)
}

func (k *fakeKernel) AddrDel(l netlink.Link, a *netlink.Addr) error {
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.log("addr del %s dev %s", a.IPNet, l.Attrs().Name)
}

func (k *fakeKernel) route(r *netlink.Route) string {
	var b strings.Builder
	switch r.Type {
	case unix.RTN_UNICAST:
		b.WriteString("unicast")
	case unix.RTN_THROW:
		b.WriteString("throw")
	case unix.RTN_UNREACHABLE:
		b.WriteString("unreachable")
	default:
		fmt.Fprintf(&b, "type%d", r.Type)
	}
	fmt.Fprintf(&b, " %s", r.Dst)
	if r.Gw != nil {
		fmt.Fprintf(&b, " via %s", r.Gw)
	}
	if r.LinkIndex != 0 {
		fmt.Fprintf(&b, " dev %s", k.nameOf(r.LinkIndex))
	}
	if r.Src != nil {
		fmt.Fprintf(&b, " src %s", r.Src)
	}
	fmt.Fprintf(&b, " table %d", r.Table)
	if r.Priority != 0 {
		fmt.Fprintf(&b, " metric %d", r.Priority)
	}
	if r.Scope == netlink.SCOPE_LINK {
		b.WriteString(" scope link")
	}
	if r.Protocol == unix.RTPROT_STATIC {
		b.WriteString(" proto static")
	}
	return b.String()
}

func (k *fakeKernel) RouteReplace(r *netlink.Route) error {
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.log("route replace %s", k.route(r))
}

func (k *fakeKernel) RouteDel(r *netlink.Route) error {
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.log("route del %s", k.route(r))
}

func rule(r *netlink.Rule) string {
	fam := "inet"
	if r.Family == unix.AF_INET6 {
		fam = "inet6"
	}
	s := "-" + fam
	if r.Mark != 0 {
		if r.Invert {
			s += " not"
		}
		s += fmt.Sprintf(" fwmark %#x", r.Mark)
		if r.Mask != nil {
			s += fmt.Sprintf("/%#x", *r.Mask)
		}
	}
	return s + fmt.Sprintf(" lookup %d pref %d", r.Table, r.Priority)
}

func (k *fakeKernel) RuleAdd(r *netlink.Rule) error {
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.log("rule add %s", rule(r))
}

func (k *fakeKernel) RuleDel(r *netlink.Rule) error {
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.log("rule del %s", rule(r))
}

func (k *fakeKernel) RouteGet(dst net.IP) ([]netlink.Route, error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if err := k.log("route get %s", dst); err != nil {
		return nil, err
	}
	if dst.To4() != nil {
		return []netlink.Route{{Gw: net.ParseIP("192.0.2.1").To4(), Src: net.ParseIP("192.0.2.2").To4(), LinkIndex: 2}}, nil
	}
	return []netlink.Route{{Gw: net.ParseIP("2001:db8:1::1"), Src: net.ParseIP("2001:db8:1::2"), LinkIndex: 2}}, nil
}

// fakeRunner records commands in the kernel's log instead of running
// them, so one transcript shows netlink calls and commands in order.
type fakeRunner struct {
	k    *fakeKernel
	fail error
}

func (r *fakeRunner) Run(_ context.Context, name string, args ...string) ([]byte, error) {
	q := make([]string, len(args))
	for i, a := range args {
		q[i] = a
		if a == "" {
			q[i] = `""`
		}
	}
	r.k.mu.Lock()
	defer r.k.mu.Unlock()
	if err := r.k.log("exec %s %s", name, strings.Join(q, " ")); err != nil {
		return []byte("failed"), err
	}
	return nil, r.fail
}
