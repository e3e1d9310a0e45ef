package session

import (
	"context"
	"errors"
	"net/netip"
	"slices"
	"testing"
	"time"

	"github.com/espressovpn/espresso/helper/api"
	"github.com/espressovpn/espresso/platform"
)

// TestOverlappingConnectionRefused: a profile whose remote_ts overlap
// what an active connection routes is refused before anything opens; one
// whose granted selectors overlap is refused before its routes go in; and
// once the first connection ends, the networks are free again.
func TestOverlappingConnectionRefused(t *testing.T) {
	n := newTestNet()
	var grant []netip.Prefix
	neg := newFakeNegotiator(func(f *fakeNegotiation) { f.establish(t, grant) })
	d := NewConnector(n, Options{Negotiator: neg, Timeout: 5 * time.Second, Workers: 2})
	dialNamed := func(name string, remoteTS ...string) (Conn, error) {
		p := pskProfile()
		p.Name, p.RemoteTS = name, remoteTS
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		c, err := d.Dial(ctx, attempt(t, p))
		if err == nil {
			t.Cleanup(func() { c.Close() })
		}
		return c, err
	}

	grant = []netip.Prefix{lanV4}
	office, err := dialNamed("office", lanV4.String())
	if err != nil {
		t.Fatal(err)
	}

	opened := len(n.tunnels)
	_, err = dialNamed("everything")
	var oe *platform.OverlapError
	if !errors.As(err, &oe) || oe.Name != "everything" || oe.Other != "office" || !slices.Equal(oe.Prefixes, []netip.Prefix{lanV4}) {
		t.Fatalf("full tunnel beside office: %v", err)
	}
	if code, permanent := Code(err); code != api.FailureNetworksOverlap || !permanent {
		t.Errorf("Code = %s, %v; want %s, permanent", code, permanent, api.FailureNetworksOverlap)
	}
	if len(n.tunnels) != opened {
		t.Error("a tunnel opened for a profile refused early")
	}

	// The gateway grants what the profile did not ask for, inside
	// office's LAN.
	grant = []netip.Prefix{netip.MustParsePrefix("203.0.113.0/26")}
	_, err = dialNamed("narrow", "198.51.100.0/24")
	if !errors.As(err, &oe) || oe.Other != "office" {
		t.Fatalf("granted selectors inside office's: %v", err)
	}
	if c, ok := n.Installed()["narrow"]; ok && len(c.RemoteSelectors) > 0 {
		t.Errorf("the refused connection's routes went in: %v", c.RemoteSelectors)
	}

	grant = []netip.Prefix{netip.MustParsePrefix("198.51.100.0/24")}
	if _, err := dialNamed("lab", "198.51.100.0/24"); err != nil {
		t.Fatalf("disjoint networks: %v", err)
	}
	if err := office.Close(); err != nil {
		t.Fatal(err)
	}
	grant = []netip.Prefix{lanV4}
	if _, err := dialNamed("office2", lanV4.String()); err != nil {
		t.Errorf("office's LAN after office ended: %v", err)
	}
}
