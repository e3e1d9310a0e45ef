package session

import (
	"context"
	"net/netip"
	"testing"
	"time"

	"github.com/espressovpn/espresso/helper/api"
	"github.com/espressovpn/espresso/ipsec/socket"
	"github.com/espressovpn/espresso/platform"
	"github.com/espressovpn/espresso/platform/platformtest"
)

// dialOver dials p over any platform.Network.
func dialOver(t *testing.T, n platform.Network, neg Negotiator, p api.Profile) (*Session, error) {
	t.Helper()
	d := NewConnector(n, Options{Negotiator: neg, Timeout: 5 * time.Second, Workers: 2})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	s, err := d.Dial(ctx, attempt(t, p))
	if err != nil {
		return nil, err
	}
	t.Cleanup(func() { s.Close() })
	return s.(*Session), nil
}

// boundNet binds every UDP socket to one address whatever the session
// asks, as a system that cannot bind the unspecified address would.
type boundNet struct {
	*testNet
	addr netip.Addr
}

func (n boundNet) ListenUDP(cfg platform.UDPConfig) (socket.Transport, error) {
	cfg.Addr = netip.AddrPortFrom(n.addr, cfg.Addr.Port())
	return n.testNet.ListenUDP(cfg)
}

// TestSocketsBoundToUnspecified: the IKE, NAT-T and raw ESP sockets are
// bound to the unspecified address of the gateway's family, so that they
// work from any address the path takes later (MOBIKE, RFC 4555), while
// the negotiation is told the route's source address for NAT detection.
func TestSocketsBoundToUnspecified(t *testing.T) {
	n := newTestNet()
	neg := newFakeNegotiator(func(f *fakeNegotiation) { f.establish(t, []netip.Prefix{lanV4}) })
	p := pskProfile()
	p.RawESP = true
	if _, err := dial(t, n, neg, p); err != nil {
		t.Fatal(err)
	}
	f := neg.next(t)
	if f.opts.LocalAddr != cliAddr {
		t.Errorf("the negotiation's local address is %v, want the route's source %v", f.opts.LocalAddr, cliAddr)
	}
	listens := 0
	for _, op := range n.Ops() {
		if op.Kind != platformtest.OpListenUDP && op.Kind != platformtest.OpListenRawESP {
			continue
		}
		listens++
		if op.Addr.Addr() != netip.IPv4Unspecified() {
			t.Errorf("%s bound to %v, want %v", op.Kind, op.Addr.Addr(), netip.IPv4Unspecified())
		}
	}
	if listens != 3 {
		t.Errorf("%d sockets opened, want the IKE, NAT-T and raw ESP ones", listens)
	}
}
