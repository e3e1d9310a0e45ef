package platform

import (
	"bufio"
	"context"
	"net"
	"net/netip"
	"os"
	"slices"
	"strings"
	"syscall"
)

// resolvedUpstream is where systemd-resolved lists the servers its stub
// forwards to.
var resolvedUpstream = "/run/systemd/resolve/resolv.conf"

// resolvedStubs are the addresses of systemd-resolved's stub listeners.
var resolvedStubs = []netip.Addr{netip.MustParseAddr("127.0.0.53"), netip.MustParseAddr("127.0.0.54")}

// MarkedResolver returns a resolver whose queries leave from sockets
// carrying mark (SO_MARK), which the kill switch lets through: while it
// refuses everyone else's DNS, the helper can still look up its gateway's
// name to reconnect. It queries the servers of /etc/resolv.conf itself
// (Go's resolver), since a query handed to the C library would leave from
// someone else's socket, unmarked; and a query to systemd-resolved's stub
// goes to the stub's first upstream server instead, for the same reason.
func MarkedResolver(mark uint32) *net.Resolver {
	d := net.Dialer{Control: func(_, _ string, c syscall.RawConn) error {
		return setMark(c, mark)
	}}
	return &net.Resolver{
		PreferGo: true,
		Dial: func(ctx context.Context, network, address string) (net.Conn, error) {
			return d.DialContext(ctx, network, bypassStub(address))
		},
	}
}

// bypassStub replaces the address of systemd-resolved's stub with its
// first upstream server; any other address, or a stub without upstreams,
// is left as it is.
func bypassStub(address string) string {
	ap, err := netip.ParseAddrPort(address)
	if err != nil || !slices.Contains(resolvedStubs, ap.Addr()) {
		return address
	}
	f, err := os.Open(resolvedUpstream)
	if err != nil {
		return address
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) < 2 || fields[0] != "nameserver" {
			continue
		}
		if a, err := netip.ParseAddr(fields[1]); err == nil && !a.IsLoopback() {
			return netip.AddrPortFrom(a, ap.Port()).String()
		}
	}
	return address
}
