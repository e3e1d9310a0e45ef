package session

import (
	"errors"
	"net/netip"
	"testing"

	"github.com/espressovpn/espresso/ipsec/ike"
	"github.com/espressovpn/espresso/platform"
)

// followingNegotiator starts fake negotiations that follow paths,
// recording every address they are told.
type followingNegotiator struct {
	*fakeNegotiator
	paths chan netip.Addr
}

func newFollowingNegotiator(script func(*fakeNegotiation)) followingNegotiator {
	return followingNegotiator{newFakeNegotiator(script), make(chan netip.Addr, 8)}
}

func (f followingNegotiator) Start(cfg ike.Config, socks ike.Sockets, opts ike.Options) (Negotiation, error) {
	n, err := f.fakeNegotiator.Start(cfg, socks, opts)
	if err != nil {
		return nil, err
	}
	return &followingNegotiation{n.(*fakeNegotiation), f.paths}, nil
}

type followingNegotiation struct {
	*fakeNegotiation
	paths chan netip.Addr
}

func (n *followingNegotiation) PathChanged(local netip.Addr) { n.paths <- local }

// noPath asserts that the negotiation was told nothing.
func (f followingNegotiator) noPath(t *testing.T) {
	t.Helper()
	select {
	case a := <-f.paths:
		t.Errorf("the negotiation was told of a path from %v", a)
	default:
	}
}

func ended(s *Session) bool {
	select {
	case <-s.Done():
		return true
	default:
		return false
	}
}

var movedAddr = netip.MustParseAddr("192.0.2.3")

// dialFollowing dials pskProfile over net to a gateway that establishes
// the Child SA for lanV4 and reports the path updates it is given.
func dialFollowing(t *testing.T, net platform.Network) (*Session, followingNegotiator) {
	t.Helper()
	neg := newFollowingNegotiator(func(f *fakeNegotiation) { f.establish(t, []netip.Prefix{lanV4}) })
	s, err := dialOver(t, net, neg, pskProfile())
	if err != nil {
		t.Fatal(err)
	}
	return s, neg
}

// TestPathChangedSameAddress: a change that leaves the path's source as
// it was reaches the negotiation (a liveness check now, or MOBIKE's
// update) and the session goes on.
func TestPathChangedSameAddress(t *testing.T) {
	n := newTestNet()
	s, neg := dialFollowing(t, n)
	s.PathChanged(platform.ChangeRoute)
	if got := recv(t, neg.paths, "the path update"); got != cliAddr {
		t.Errorf("the negotiation was told %v, want %v", got, cliAddr)
	}
	if ended(s) {
		t.Errorf("the session ended: %v", s.Err())
	}
}

// TestPathChangedBoundSocketsReconnect: sockets bound to an address the
// path no longer uses cannot follow it; the session ends with a
// PathError for the Manager to dial again, and the negotiation is not
// asked to move. (The session binds to the unspecified address; a system
// that binds the sockets to the source address stands in for the case.)
func TestPathChangedBoundSocketsReconnect(t *testing.T) {
	n := newTestNet()
	s, neg := dialFollowing(t, boundNet{n, cliAddr})
	hop := gwHop
	hop.Source = movedAddr
	n.SetRoute(gwAddr, hop)
	s.PathChanged(platform.ChangeAddress)
	recv(t, s.Done(), "the session's end")
	var pe *PathError
	if !errors.As(s.Err(), &pe) || pe.Bound != cliAddr || pe.Now != movedAddr {
		t.Errorf("Err %v, want a PathError from %v to %v", s.Err(), cliAddr, movedAddr)
	}
	neg.noPath(t)
}

// TestPathChangedUnboundSocketsFollow: sockets bound to the unspecified
// address work from any source, so the negotiation is told the new one
// and the session goes on.
func TestPathChangedUnboundSocketsFollow(t *testing.T) {
	n := newTestNet()
	hop := gwHop
	hop.Source = netip.Addr{}
	n.SetRoute(gwAddr, hop)
	s, neg := dialFollowing(t, n)
	if b := s.ikeT.LocalAddr().Addr(); !b.IsUnspecified() {
		t.Fatalf("the IKE socket is bound to %v; the test needs the unspecified address", b)
	}
	hop.Source = movedAddr
	n.SetRoute(gwAddr, hop)
	s.PathChanged(platform.ChangeAddress | platform.ChangeRoute)
	if got := recv(t, neg.paths, "the path update"); got != movedAddr {
		t.Errorf("the negotiation was told %v, want %v", got, movedAddr)
	}
	if ended(s) {
		t.Errorf("the session ended: %v", s.Err())
	}
}

// TestPathChangedNoRoute: while there is no path to the gateway the
// session waits, neither ending nor bothering the negotiation.
func TestPathChangedNoRoute(t *testing.T) {
	n := newTestNet()
	s, neg := dialFollowing(t, n)
	n.SetRoute(gwAddr, platform.NextHop{})
	s.PathChanged(platform.ChangeLink)
	neg.noPath(t)
	if ended(s) {
		t.Errorf("the session ended: %v", s.Err())
	}
}

// TestPathChangedAfterClose: a change reported after Close does nothing.
func TestPathChangedAfterClose(t *testing.T) {
	n := newTestNet()
	s, neg := dialFollowing(t, n)
	s.Close()
	s.PathChanged(platform.ChangeRoute)
	neg.noPath(t)
	if !errors.Is(s.Err(), ErrClosed) {
		t.Errorf("Err %v, want ErrClosed", s.Err())
	}
}
