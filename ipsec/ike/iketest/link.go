package iketest

import (
	"errors"
	"net/netip"
	"sync"

	"github.com/espressovpn/espresso/platform"
)

// ErrClosed is returned by a closed Conn.
var ErrClosed = errors.New("iketest: closed")

// Filter sees each datagram from one end to the other and returns false to
// drop it. It runs on the writer's goroutine.
type Filter func(from, to netip.AddrPort, b []byte) bool

// Network connects Conns by address, like a switch: a datagram written to
// an address reaches the Conn bound to it. Queues are bounded; a full one
// drops, as a network would.
type Network struct {
	mu     sync.Mutex
	conns  map[netip.AddrPort]*Conn
	filter Filter
	// natOut maps an inside address to the outside one its datagrams
	// leave as, natIn the other way.
	natOut, natIn map[netip.AddrPort]netip.AddrPort
}

// NewNetwork returns an empty network.
func NewNetwork() *Network {
	return &Network{
		conns:  map[netip.AddrPort]*Conn{},
		natOut: map[netip.AddrPort]netip.AddrPort{},
		natIn:  map[netip.AddrPort]netip.AddrPort{},
	}
}

// SetNAT translates the Conn bound to inside as a NAT would: its datagrams
// arrive from outside, and datagrams sent to outside reach it. Calling it
// again for the same inside address rebinds the mapping to a new outside
// address, as a NAT does when its mapping times out; the old outside
// address then leads nowhere.
func (n *Network) SetNAT(inside, outside netip.AddrPort) {
	n.mu.Lock()
	defer n.mu.Unlock()
	if old, ok := n.natOut[inside]; ok {
		delete(n.natIn, old)
	}
	n.natOut[inside] = outside
	n.natIn[outside] = inside
}

// SetFilter installs f (nil: deliver everything).
func (n *Network) SetFilter(f Filter) {
	n.mu.Lock()
	n.filter = f
	n.mu.Unlock()
}

// Listen binds a Conn to addr.
func (n *Network) Listen(addr netip.AddrPort) *Conn {
	c := &Conn{net: n, local: addr, in: make(chan platform.Datagram, 256), done: make(chan struct{})}
	n.mu.Lock()
	n.conns[addr] = c
	n.mu.Unlock()
	return c
}

// Conn is one bound socket of a Network; it implements platform.Transport.
type Conn struct {
	net   *Network
	local netip.AddrPort
	in    chan platform.Datagram
	done  chan struct{}
	once  sync.Once
}

// ReadBatch waits for a datagram, then returns it and any others queued.
func (c *Conn) ReadBatch(msgs []platform.Datagram) (int, error) {
	if len(msgs) == 0 {
		return 0, nil
	}
	var d platform.Datagram
	select {
	case d = <-c.in:
	case <-c.done:
		return 0, ErrClosed
	}
	n := 0
	for {
		msgs[n].Buf = append(msgs[n].Buf[:0], d.Buf...)
		msgs[n].Addr = d.Addr
		n++
		if n == len(msgs) {
			return n, nil
		}
		select {
		case d = <-c.in:
		default:
			return n, nil
		}
	}
}

// WriteBatch delivers copies of msgs to the Conns bound to their addresses;
// datagrams to nobody, or that the filter refuses, vanish.
func (c *Conn) WriteBatch(msgs []platform.Datagram) (int, error) {
	select {
	case <-c.done:
		return 0, ErrClosed
	default:
	}
	for _, m := range msgs {
		c.net.mu.Lock()
		src, to := c.local, m.Addr
		if out, ok := c.net.natOut[src]; ok {
			src = out
		}
		if in, ok := c.net.natIn[to]; ok {
			to = in
		}
		dst, f := c.net.conns[to], c.net.filter
		c.net.mu.Unlock()
		if (f != nil && !f(src, m.Addr, m.Buf)) || dst == nil {
			continue
		}
		select {
		case dst.in <- platform.Datagram{Buf: append([]byte(nil), m.Buf...), Addr: src}:
		default:
		}
	}
	return len(msgs), nil
}

// BatchSize returns 8.
func (c *Conn) BatchSize() int { return 8 }

// LocalAddr returns the bound address.
func (c *Conn) LocalAddr() netip.AddrPort { return c.local }

// Close unbinds the Conn and unblocks its reader.
func (c *Conn) Close() error {
	c.once.Do(func() {
		close(c.done)
		c.net.mu.Lock()
		if c.net.conns[c.local] == c {
			delete(c.net.conns, c.local)
		}
		c.net.mu.Unlock()
	})
	return nil
}
