package core

import "net/netip"

// Conn is the owner's handle on one connection: its methods are what the
// owner may ask, and the Machine behind it stays out of reach.
type Conn struct{ m *Machine }

// Close deletes the IKE SA with a single unacknowledged INFORMATIONAL and
// stops the connection; see Machine.Close.
func (c *Conn) Close() error { return c.m.Close() }

// Done is closed once the connection is down, by failure, by the peer or by
// Close.
func (c *Conn) Done() <-chan struct{} { return c.m.Done() }

// Deliver hands the connection a datagram received on one of its sockets
// when Sockets.External is set; see Machine.Deliver.
func (c *Conn) Deliver(b []byte, from netip.AddrPort, natt bool) { c.m.Deliver(b, from, natt) }

// Terminate starts an acknowledged delete of the IKE SA (RFC 7296 §1.4.1);
// Down follows once the peer answers or is given up.
func (c *Conn) Terminate() { c.m.Terminate() }

// RekeyChild starts a rekey of every Child SA now, as their lifetime would.
func (c *Conn) RekeyChild() { c.m.RekeyChild() }

// RekeyIKE starts a rekey of the IKE SA now (RFC 7296 §2.18).
func (c *Conn) RekeyIKE() { c.m.RekeyIKE() }

// Expire reports a data path lifetime expiry; see Machine.Expire.
func (c *Conn) Expire(e Expiry) { c.m.Expire(e) }

// PathChanged tells the connection that our address changed; see
// Machine.PathChanged.
func (c *Conn) PathChanged(local netip.Addr) { c.m.PathChanged(local) }

// Reauthenticate starts a reauthentication now (RFC 7296 §2.8.3).
func (c *Conn) Reauthenticate() { c.m.Reauthenticate() }

// Unreachable reports an ICMP unreachable for dest; see
// Machine.Unreachable.
func (c *Conn) Unreachable(dest netip.AddrPort) { c.m.Unreachable(dest) }

// Drops returns the datagrams dropped so far, by reason; see Machine.Drops.
func (c *Conn) Drops() Drops { return c.m.Drops() }
