package iketest

import (
	"errors"
	"net/netip"
	"sync"

	"github.com/espressovpn/espresso/ipsec/socket"
)

// ErrClosed is returned by a closed Conn.
var ErrClosed = errors.New("iketest: closed")

// Filter sees each datagram from one end to the other and returns false to
// drop it. It runs on the writer's goroutine.
type Filter func(from, to netip.AddrPort, b []byte) bool

// Network connects Conns by address, like a switch: a datagram written to
// an address reaches the Conn bound to it. Queues are bounded; a full one
// drops, as a network would, unless SetWait says otherwise.
type Network struct {
	mu     sync.Mutex
	conns  map[netip.AddrPort]*Conn
	filter Filter
	wait   bool
	refuse bool
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

// SetWait makes writers wait for room in a full queue instead of dropping,
// for tests that count on every datagram arriving.
func (n *Network) SetWait(wait bool) {
	n.mu.Lock()
	n.wait = wait
	n.mu.Unlock()
}

// Move rebinds the Conn bound to from to the address to, as when a host's
// address changes under a socket bound to the unspecified address: its
// datagrams leave from to from now on, and datagrams for from lead
// nowhere. It reports false when no Conn is bound to from.
func (n *Network) Move(from, to netip.AddrPort) bool {
	n.mu.Lock()
	defer n.mu.Unlock()
	c := n.conns[from]
	if c == nil {
		return false
	}
	delete(n.conns, from)
	n.conns[to] = c
	c.local = to
	return true
}

// SetRefuse makes a datagram for an address nobody is bound to come back
// to its sender as an ICMP port unreachable, which the sender's ReadBatch
// returns as a *socket.UnreachableError, as a host without the daemon
// answers; otherwise such datagrams vanish.
func (n *Network) SetRefuse(refuse bool) {
	n.mu.Lock()
	n.refuse = refuse
	n.mu.Unlock()
}

// SetFilter installs f (nil: deliver everything).
func (n *Network) SetFilter(f Filter) {
	n.mu.Lock()
	n.filter = f
	n.mu.Unlock()
}

// Spoof delivers b to the Conn bound to to as though from had sent it, as
// an attacker who forges its source address would; the filter does not see
// it. It reports false when nobody is bound to to or its queue is full.
func (n *Network) Spoof(from, to netip.AddrPort, b []byte) bool {
	n.mu.Lock()
	if in, ok := n.natIn[to]; ok {
		to = in
	}
	dst := n.conns[to]
	n.mu.Unlock()
	if dst == nil {
		return false
	}
	select {
	case dst.in <- socket.Datagram{Buf: append([]byte(nil), b...), Addr: from}:
		return true
	default:
		return false
	}
}

// Listen binds a Conn to addr.
func (n *Network) Listen(addr netip.AddrPort) *Conn {
	c := &Conn{net: n, local: addr, in: make(chan socket.Datagram, 256),
		bounced: make(chan socket.UnreachableError, 16), done: make(chan struct{})}
	n.mu.Lock()
	n.conns[addr] = c
	n.mu.Unlock()
	return c
}

// Conn is one bound socket of a Network; it implements socket.Transport.
type Conn struct {
	net *Network
	// local is guarded by net.mu: Move changes it.
	local   netip.AddrPort
	in      chan socket.Datagram
	bounced chan socket.UnreachableError
	done    chan struct{}
	once    sync.Once
}

// ReadBatch waits for a datagram, then returns it and any others queued.
func (c *Conn) ReadBatch(msgs []socket.Datagram) (int, error) {
	if len(msgs) == 0 {
		return 0, nil
	}
	var d socket.Datagram
	select {
	case d = <-c.in:
	case u := <-c.bounced:
		return 0, &u
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
func (c *Conn) WriteBatch(msgs []socket.Datagram) (int, error) {
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
		dst, f, wait, refuse := c.net.conns[to], c.net.filter, c.net.wait, c.net.refuse
		c.net.mu.Unlock()
		if f != nil && !f(src, m.Addr, m.Buf) {
			continue
		}
		if dst == nil {
			if refuse {
				select {
				case c.bounced <- socket.UnreachableError{Dest: m.Addr, From: m.Addr.Addr(), Kind: socket.PortUnreachable}:
				default:
				}
			}
			continue
		}
		d := socket.Datagram{Buf: append([]byte(nil), m.Buf...), Addr: src}
		if wait {
			select {
			case dst.in <- d:
			case <-dst.done:
			case <-c.done:
				return 0, ErrClosed
			}
			continue
		}
		select {
		case dst.in <- d:
		default:
		}
	}
	return len(msgs), nil
}

// BatchSize returns 8.
func (c *Conn) BatchSize() int { return 8 }

// LocalAddr returns the bound address.
func (c *Conn) LocalAddr() netip.AddrPort {
	c.net.mu.Lock()
	defer c.net.mu.Unlock()
	return c.local
}

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
