package platform

import (
	"context"
	"net"
	"syscall"
)

// MarkedResolver returns a resolver whose queries leave from sockets
// carrying mark (SO_MARK), which the kill switch lets through: while it
// refuses everyone else's DNS, the helper can still look up its gateway's
// name to reconnect. It queries the servers of /etc/resolv.conf itself
// (Go's resolver), since a query handed to the C library or to a local
// stub resolver would leave from someone else's socket, unmarked.
func MarkedResolver(mark uint32) *net.Resolver {
	d := net.Dialer{Control: func(_, _ string, c syscall.RawConn) error {
		return setMark(c, mark)
	}}
	return &net.Resolver{
		PreferGo: true,
		Dial: func(ctx context.Context, network, address string) (net.Conn, error) {
			return d.DialContext(ctx, network, address)
		},
	}
}
