package ikev2

import (
	"net/netip"
	"testing"

	"github.com/espressovpn/espresso/helper/session"
	"github.com/espressovpn/espresso/ipsec/ike"
)

// TestForwardMoved: the Daemon's MOBIKE move reaches the session with the
// new endpoints and whether our address is translated on the new path.
func TestForwardMoved(t *testing.T) {
	var got []session.Event
	ev := &ike.Moved{
		Local:    netip.MustParseAddrPort("198.51.100.7:4500"),
		Remote:   netip.MustParseAddrPort("192.0.2.1:4500"),
		LocalNAT: true, RemoteNAT: false,
	}
	forward(func(e session.Event) { got = append(got, e) }, ev)
	if len(got) != 1 {
		t.Fatalf("%d events forwarded, want 1", len(got))
	}
	m, ok := got[0].(*session.Moved)
	if !ok || m.Local != ev.Local || m.Remote != ev.Remote || !m.NAT {
		t.Errorf("forwarded %#v, want the move to %v with a NAT", got[0], ev.Local)
	}
}
