package linux

import (
	"fmt"
	"sync"
	"time"

	"github.com/espressovpn/espresso/platform"
	"github.com/vishvananda/netlink"
	"golang.org/x/sys/unix"
)

// Monitor is the Linux platform.Monitor: netlink notifications of links,
// addresses and routes (RTNLGRP_LINK, RTNLGRP_IPV4/6_IFADDR and
// RTNLGRP_IPV4/6_ROUTE), filtered by netState, plus resumes from sleep as
// systemd-logind announces them and as a WakeDetector notices them,
// merged by a platform.Debouncer. Its goroutines (one reading the
// notifications, the debouncer's, the wake detector's, the logind
// watch's, and the netlink library's readers) all end in Close.
type Monitor struct {
	deb    *platform.Debouncer
	wake   *platform.WakeDetector
	logind *logindWatch // nil without a reachable logind
	quit   chan struct{}
	done   chan struct{}
	once   sync.Once
}

var _ platform.Monitor = (*Monitor)(nil)

// Monitor starts watching the network of the calling thread's namespace.
// The helper's TUN devices (n's name pattern) and routing tables are
// left out.
func (n *Network) Monitor(opts MonitorOptions) (*Monitor, error) {
	quit := make(chan struct{})
	links := make(chan netlink.LinkUpdate, 64)
	addrs := make(chan netlink.AddrUpdate, 64)
	routes := make(chan netlink.RouteUpdate, 64)
	// Subscribing before listing misses nothing; what both report once is
	// known to netState the second time.
	var subscribed []func()
	fail := func(err error) (*Monitor, error) {
		close(quit)
		for _, d := range subscribed {
			d()
		}
		return nil, err
	}
	if err := netlink.LinkSubscribeWithOptions(links, quit, netlink.LinkSubscribeOptions{}); err != nil {
		return fail(fmt.Errorf("netlink link subscription: %w", err))
	}
	subscribed = append(subscribed, func() { drain(links) })
	if err := netlink.AddrSubscribeWithOptions(addrs, quit, netlink.AddrSubscribeOptions{}); err != nil {
		return fail(fmt.Errorf("netlink address subscription: %w", err))
	}
	subscribed = append(subscribed, func() { drain(addrs) })
	if err := netlink.RouteSubscribeWithOptions(routes, quit, netlink.RouteSubscribeOptions{}); err != nil {
		return fail(fmt.Errorf("netlink route subscription: %w", err))
	}
	subscribed = append(subscribed, func() { drain(routes) })
	st := newNetState(tunPattern(n.opts.TUNName))
	if err := seed(st); err != nil {
		return fail(err)
	}
	m := &Monitor{
		deb:  platform.NewDebouncer(opts.Settle, opts.MaxDelay),
		quit: quit,
		done: make(chan struct{}),
	}
	m.wake = platform.NewWakeDetector(opts.WakeInterval, opts.WakeThreshold, func(time.Duration) {
		m.deb.Note(platform.ChangeWake)
	})
	if w, err := watchLogind(opts.SystemBus, func() { m.deb.Note(platform.ChangeWake) }); err == nil {
		m.logind = w
	}
	go m.run(st, links, addrs, routes)
	return m, nil
}

// seed records what the system holds now, so that only later changes are
// reported.
func seed(st *netState) error {
	ls, err := netlink.LinkList()
	if err != nil {
		return fmt.Errorf("list links: %w", err)
	}
	for _, l := range ls {
		st.link(l.Attrs(), false)
	}
	as, err := netlink.AddrList(nil, netlink.FAMILY_ALL)
	if err != nil {
		return fmt.Errorf("list addresses: %w", err)
	}
	for _, a := range as {
		st.addr(a.LinkIndex, *a.IPNet, true)
	}
	rs, err := netlink.RouteListFiltered(netlink.FAMILY_ALL, &netlink.Route{Table: unix.RT_TABLE_MAIN}, netlink.RT_FILTER_TABLE)
	if err != nil {
		return fmt.Errorf("list routes: %w", err)
	}
	for _, r := range rs {
		st.route(r, true)
	}
	return nil
}

// run reads the notifications until the library closes every channel,
// which it does once quit is closed.
func (m *Monitor) run(st *netState, links chan netlink.LinkUpdate, addrs chan netlink.AddrUpdate, routes chan netlink.RouteUpdate) {
	defer close(m.done)
	for links != nil || addrs != nil || routes != nil {
		select {
		case u, ok := <-links:
			if !ok {
				links = nil
				continue
			}
			m.deb.Note(st.link(u.Attrs(), u.Header.Type == unix.RTM_DELLINK))
		case u, ok := <-addrs:
			if !ok {
				addrs = nil
				continue
			}
			m.deb.Note(st.addr(u.LinkIndex, u.LinkAddress, u.NewAddr))
		case u, ok := <-routes:
			if !ok {
				routes = nil
				continue
			}
			m.deb.Note(st.route(u.Route, u.Type == unix.RTM_NEWROUTE))
		}
	}
}

// drain empties the channel of a subscription being torn down, so that
// the library's reader is never stuck sending; the goroutine ends when
// the library closes the channel, which it does once its socket is
// closed.
func drain[T any](ch chan T) {
	go func() {
		for range ch {
		}
	}()
}

// Changes implements platform.Monitor.
func (m *Monitor) Changes() <-chan platform.Change { return m.deb.C() }

// Close implements platform.Monitor.
func (m *Monitor) Close() error {
	m.once.Do(func() {
		close(m.quit)
		<-m.done
		if m.logind != nil {
			m.logind.close()
		}
		m.wake.Close()
		m.deb.Close()
	})
	<-m.done
	return nil
}
