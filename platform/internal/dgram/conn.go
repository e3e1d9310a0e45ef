package dgram

import (
	"net"

	"golang.org/x/net/ipv4"
	"golang.org/x/net/ipv6"
)

// Conn is what ipv4.PacketConn and ipv6.PacketConn have in common: batched
// reads and writes of ipv4.Message, which is the same type as
// ipv6.Message.
type Conn interface {
	ReadBatch(ms []ipv4.Message, flags int) (int, error)
	WriteBatch(ms []ipv4.Message, flags int) (int, error)
}

// New returns the batched I/O of c, an IPv4 socket when is4 is set and an
// IPv6 one otherwise: x/net builds the message headers per family.
func New(c net.PacketConn, is4 bool) Conn {
	if is4 {
		return ipv4.NewPacketConn(c)
	}
	return ipv6Conn{ipv6.NewPacketConn(c)}
}

// ipv6Conn adapts ipv6.PacketConn to Conn.
type ipv6Conn struct{ c *ipv6.PacketConn }

func (b ipv6Conn) ReadBatch(ms []ipv4.Message, flags int) (int, error) {
	return b.c.ReadBatch(ms, flags)
}

func (b ipv6Conn) WriteBatch(ms []ipv4.Message, flags int) (int, error) {
	return b.c.WriteBatch(ms, flags)
}
