package session

import (
	"bytes"
	"context"
	"errors"
	"net/netip"
	"reflect"
	"slices"
	"testing"
	"testing/synctest"
	"time"

	"github.com/espressovpn/espresso/helper/api"
	"github.com/espressovpn/espresso/helper/profile"
	"github.com/espressovpn/espresso/ipsec/ike"
	"github.com/espressovpn/espresso/ipsec/socket"
	"github.com/espressovpn/espresso/platform"
	"github.com/espressovpn/espresso/platform/platformtest"
)

var (
	anyV4  = netip.MustParsePrefix("0.0.0.0/0")
	lanV4  = netip.MustParsePrefix("203.0.113.0/24")
	vipNet = netip.PrefixFrom(vip, 32)
	// everything is what a profile without remote_ts routes.
	everything = []netip.Prefix{anyV4, netip.MustParsePrefix("::/0")}
)

func pskProfile() api.Profile {
	return api.Profile{Name: "work", Gateway: gwAddr.String(), Auth: api.AuthPSK, PSK: "correct horse battery staple", LocalID: "client@example.test"}
}

// attempt is what the Manager dials p with: p parsed, nothing loaded or
// looked up yet.
func attempt(t testing.TB, p api.Profile) Attempt {
	t.Helper()
	tp, err := profile.Parse(&p)
	if err != nil {
		t.Fatal(err)
	}
	return Attempt{Profile: tp}
}

func dial(t *testing.T, n *testNet, neg Negotiator, p api.Profile) (*Session, error) {
	t.Helper()
	return dialOver(t, n, neg, p)
}

// dialEstablished dials pskProfile over a new testNet to a gateway that
// establishes the Child SA with remote as its selectors, and returns the
// net, the negotiator, the session and the negotiation it ran.
func dialEstablished(t *testing.T, remote []netip.Prefix) (*testNet, *fakeNegotiator, *Session, *fakeNegotiation) {
	t.Helper()
	n := newTestNet()
	neg := newFakeNegotiator(func(f *fakeNegotiation) { f.establish(t, remote) })
	s, err := dial(t, n, neg, pskProfile())
	if err != nil {
		t.Fatal(err)
	}
	return n, neg, s, neg.next(t)
}

func recv[T any](t *testing.T, c <-chan T, what string) T {
	t.Helper()
	select {
	case v := <-c:
		return v
	case <-time.After(5 * time.Second):
		t.Fatalf("timed out waiting for %s", what)
		panic("unreachable")
	}
}

// TestDialConfiguresAndCarriesTraffic follows a full-tunnel connection:
// the order of the system edits, the Config applied once the IKE SA is up,
// traffic both ways through the engine, the status, and a clean system
// after Close.
func TestDialConfiguresAndCarriesTraffic(t *testing.T) {
	n, _, s, f := dialEstablished(t, []netip.Prefix{anyV4})

	if f.cfg.Remote != netip.AddrPortFrom(gwAddr, 500) || f.opts.LocalAddr != cliAddr {
		t.Errorf("negotiation between %v and %v, want %v and %v:500", f.opts.LocalAddr, f.cfg.Remote, cliAddr, gwAddr)
	}
	if !isID(f.cfg.RemoteID, gwAddr.String()) || f.cfg.LocalAuth != ike.AuthPSK || string(f.cfg.PSK) != pskProfile().PSK {
		t.Error("the negotiation did not get the profile's identities and key")
	}
	if !f.cfg.VirtualIPv4 || !f.cfg.VirtualIPv6 || !slices.Equal(f.cfg.RemoteTS, everything) {
		t.Errorf("asked for v4 %v v6 %v, remote %v; want both and everything", f.cfg.VirtualIPv4, f.cfg.VirtualIPv6, f.cfg.RemoteTS)
	}
	// The ike.Conn's data path follows a NAT's remapping of the gateway's
	// port and counts the SAs' traffic for liveness checks.
	if _, ok := f.opts.DataPath.(ike.PeerMover); !ok {
		t.Error("the negotiation's data path does not move the peer (ike.PeerMover)")
	}
	if _, ok := f.opts.DataPath.(ike.TrafficCounter); !ok {
		t.Error("the negotiation's data path does not count traffic (ike.TrafficCounter)")
	}

	want := []string{platformtest.OpRouteTo, platformtest.OpListenUDP, platformtest.OpListenUDP, platformtest.OpOpen, platformtest.OpSet, platformtest.OpSet}
	if got := n.Kinds(); !slices.Equal(got, want) {
		t.Fatalf("operations %v, want %v", got, want)
	}
	cfg := n.Installed()["work"]
	if !slices.Equal(cfg.VirtualIPs, []netip.Prefix{vipNet}) || !slices.Equal(cfg.RemoteSelectors, []netip.Prefix{anyV4}) {
		t.Errorf("installed virtual IPs %v and routes %v", cfg.VirtualIPs, cfg.RemoteSelectors)
	}
	if cfg.Peer != gwAddr || cfg.PeerNextHop != gwHop || !cfg.NeedsPeerExclusion() {
		t.Errorf("peer %v via %+v: the exclusion route cannot be built", cfg.Peer, cfg.PeerNextHop)
	}
	if !slices.Equal(cfg.DNS.Servers, []netip.Addr{lanDNS}) || cfg.MTU != 1400 {
		t.Errorf("DNS %v, MTU %d", cfg.DNS.Servers, cfg.MTU)
	}

	// Out: a packet the system routes into the tunnel leaves as ESP in UDP
	// to the gateway's NAT-T port.
	dev, natt := n.device(t), n.natt(t)
	out := ipv4UDP(vip, lanHost, "query")
	dev.Inject(out)
	d := recv(t, natt.Sent(), "an ESP packet")
	if d.Addr != gwNATT {
		t.Errorf("ESP sent to %v, want %v", d.Addr, gwNATT)
	}
	if got := f.open(t, d.Buf); !bytes.Equal(got, out) {
		t.Error("the gateway decrypted something else than the packet sent")
	}

	// In: the gateway's ESP comes out of the device as the inner packet.
	in := ipv4UDP(lanHost, vip, "answer")
	natt.Deliver(socket.Datagram{Buf: f.seal(t, in), Addr: gwNATT})
	if got := recv(t, dev.Written(), "a decrypted packet"); !bytes.Equal(got, in) {
		t.Error("the device got something else than the packet the gateway sealed")
	}

	info := s.Info()
	if info.Peer != netip.AddrPortFrom(gwAddr, 500) {
		t.Errorf("peer %v", info.Peer)
	}
	if !slices.Equal(info.VirtualIPs, []netip.Addr{vip}) || info.Encapsulation != api.EncapsulationUDP ||
		info.IKEProposal == "" || info.ESPProposal != "aes256gcm16" || info.EstablishedAt.IsZero() {
		t.Errorf("info %+v", info)
	}
	c := s.Counters()
	if c.PacketsIn != 1 || c.PacketsOut != 1 || c.BytesIn != uint64(len(in)) || c.BytesOut != uint64(len(out)) {
		t.Errorf("counters %+v, want one packet each way, %d payload bytes in and %d out", c, len(in), len(out))
	}

	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if len(n.Installed()) != 0 {
		t.Errorf("the system still holds %v after Close", n.Installed())
	}
	if after := s.Counters(); !reflect.DeepEqual(after, c) {
		t.Errorf("counters %+v after the Child SA was removed, want %+v kept", after, c)
	}
	if !f.isClosed() || !dev.Closed() {
		t.Error("Close left the negotiation or the device open")
	}
	if !errors.Is(s.Err(), ErrClosed) {
		t.Errorf("Err after Close: %v", s.Err())
	}
}

// TestIKEDelivery checks that IKE messages reach the negotiation from both
// sockets, without the non-ESP marker on the NAT-T one (RFC 3948 §2.2),
// and that NAT keepalives do not.
func TestIKEDelivery(t *testing.T) {
	n := newTestNet()
	neg := newFakeNegotiator(func(f *fakeNegotiation) { f.establish(t, []netip.Prefix{lanV4}) })
	if _, err := dial(t, n, neg, pskProfile()); err != nil {
		t.Fatal(err)
	}
	f := neg.next(t)
	n.mu.Lock()
	ike := n.udp[0]
	n.mu.Unlock()
	ike.Deliver(socket.Datagram{Buf: []byte("sa_init"), Addr: netip.AddrPortFrom(gwAddr, 500)})
	if d := recv(t, f.delivered, "IKE on port 500"); d.b != "sa_init" || d.natt {
		t.Errorf("delivered %+v", d)
	}
	natt := n.natt(t)
	natt.Deliver(socket.Datagram{Buf: []byte{0xff}, Addr: gwNATT})
	natt.Deliver(socket.Datagram{Buf: append([]byte{0, 0, 0, 0}, "ike_auth"...), Addr: gwNATT})
	if d := recv(t, f.delivered, "IKE on port 4500"); d.b != "ike_auth" || !d.natt || d.from != gwNATT {
		t.Errorf("delivered %+v", d)
	}
}

// TestIKEUnreachable: only the IKE socket asks for ICMP errors, and one
// it reports reaches the negotiation with the destination that bounced;
// the negotiation may give up each setup request in half the session's
// wait, so that an unanswered gateway is reported as unreachable.
func TestIKEUnreachable(t *testing.T) {
	n := newTestNet()
	neg := newFakeNegotiator(func(f *fakeNegotiation) { f.establish(t, []netip.Prefix{lanV4}) })
	if _, err := dial(t, n, neg, pskProfile()); err != nil {
		t.Fatal(err)
	}
	f := neg.next(t)
	// dial's Dialer waits 5 s for a negotiation.
	if f.cfg.SetupTimeout != 5*time.Second/2 {
		t.Errorf("SetupTimeout %v, want half the Dialer's wait", f.cfg.SetupTimeout)
	}
	n.mu.Lock()
	ike, cfgs := n.udp[0], n.udpCfgs
	n.mu.Unlock()
	if len(cfgs) != 2 || !cfgs[0].ReportUnreachable || cfgs[1].ReportUnreachable {
		t.Errorf("UDP sockets %+v, want ICMP reports on the IKE socket alone", cfgs)
	}
	gw := netip.AddrPortFrom(gwAddr, 500)
	ike.Bounce(socket.UnreachableError{Dest: gw, Kind: socket.PortUnreachable})
	if got := recv(t, f.unreachable, "the ICMP error"); got != gw {
		t.Errorf("unreachable for %v, want %v", got, gw)
	}
	// The socket goes on carrying IKE.
	ike.Deliver(socket.Datagram{Buf: []byte("sa_init"), Addr: gw})
	if d := recv(t, f.delivered, "IKE after the ICMP error"); d.b != "sa_init" {
		t.Errorf("delivered %+v", d)
	}
}

// TestDialFailureLeavesNothing: a refused authentication fails the Dial
// with a permanent error, and everything opened on the way is closed.
func TestDialFailureLeavesNothing(t *testing.T) {
	n := newTestNet()
	authErr := errors.New("the peer rejected our authentication")
	neg := newFakeNegotiator(func(f *fakeNegotiation) { f.opts.OnEvent(&ike.Down{Err: Permanent(authErr)}) })
	_, err := dial(t, n, neg, pskProfile())
	if !errors.Is(err, authErr) {
		t.Fatalf("Dial: %v, want the authentication failure", err)
	}
	var p interface{ Permanent() bool }
	if !errors.As(err, &p) || !p.Permanent() {
		t.Error("an authentication failure must not be retried")
	}
	if !neg.next(t).isClosed() {
		t.Error("the negotiation was left running")
	}
	if len(n.Installed()) != 0 || n.Kinds()[len(n.Kinds())-1] != platformtest.OpClose {
		t.Errorf("after the failure: installed %v, operations %v", n.Installed(), n.Kinds())
	}
}

// TestDialTimeout: a gateway that never answers fails the Dial with
// ErrTimeout after DefaultTimeout, which is worth retrying.
func TestDialTimeout(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		n := newTestNet()
		neg := newFakeNegotiator(nil)
		d := NewConnector(n, Options{Negotiator: neg, Workers: 1})
		start := time.Now()
		_, err := d.Dial(context.Background(), attempt(t, pskProfile()))
		if !errors.Is(err, ErrTimeout) {
			t.Fatalf("Dial: %v, want ErrTimeout", err)
		}
		if c := failureCode(err); c != api.FailureTimeout {
			t.Errorf("failure code %q, want %q", c, api.FailureTimeout)
		}
		if waited := time.Since(start); waited != DefaultTimeout {
			t.Errorf("gave up after %v, want %v", waited, DefaultTimeout)
		}
		var p interface{ Permanent() bool }
		if errors.As(err, &p) {
			t.Error("a timeout must be retried")
		}
		if len(n.Installed()) != 0 {
			t.Errorf("installed %v after the timeout", n.Installed())
		}
	})
}

// TestDialCancelled: Disconnect while connecting cancels the Dial.
func TestDialCancelled(t *testing.T) {
	n := newTestNet()
	neg := newFakeNegotiator(nil)
	d := NewConnector(n, Options{Negotiator: neg, Workers: 1})
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		neg.next(t)
		cancel()
	}()
	if _, err := d.Dial(ctx, attempt(t, pskProfile())); !errors.Is(err, context.Canceled) {
		t.Fatalf("Dial: %v, want context.Canceled", err)
	}
	if len(n.Installed()) != 0 {
		t.Errorf("installed %v after the cancel", n.Installed())
	}
}

// TestSessionEndsWhenIKEGoesDown: the gateway deleting the IKE SA ends
// the session, so conn.Manager reconnects.
func TestSessionEndsWhenIKEGoesDown(t *testing.T) {
	n, _, s, f := dialEstablished(t, []netip.Prefix{lanV4})
	deleted := errors.New("IKE SA deleted by the peer")
	f.opts.OnEvent(&ike.Down{Err: deleted})
	recv(t, s.Done(), "the session's end")
	if !errors.Is(s.Err(), deleted) {
		t.Errorf("Err %v", s.Err())
	}
	s.Close()
	if len(n.Installed()) != 0 {
		t.Errorf("installed %v", n.Installed())
	}
}

// TestSystemRefusalIsPermanent: a remote selector equal to the gateway
// without allow_peer_ts is refused by the platform, and retrying cannot
// help.
func TestSystemRefusalIsPermanent(t *testing.T) {
	n := newTestNet()
	peerTS := []netip.Prefix{netip.PrefixFrom(gwAddr, 32)}
	neg := newFakeNegotiator(func(f *fakeNegotiation) { f.establish(t, peerTS) })
	p := pskProfile()
	p.RemoteTS = []string{"192.0.2.1/32"}
	_, err := dial(t, n, neg, p)
	var pse *platform.PeerSelectorError
	if !errors.As(err, &pse) {
		t.Fatalf("Dial: %v, want the platform's refusal", err)
	}
	var perm interface{ Permanent() bool }
	if !errors.As(err, &perm) || !perm.Permanent() {
		t.Error("the refusal must be permanent")
	}
	if c := failureCode(err); c != api.FailureSystemConfig {
		t.Errorf("failure code %q, want %q", c, api.FailureSystemConfig)
	}
	if len(n.Installed()) != 0 {
		t.Errorf("installed %v", n.Installed())
	}
}

// TestAllowPeerTSMarksSockets: with allow_peer_ts the sockets carry the
// default mark and the Config asks the rule to skip it.
func TestAllowPeerTSMarksSockets(t *testing.T) {
	n := newTestNet()
	peerTS := []netip.Prefix{netip.PrefixFrom(gwAddr, 32)}
	neg := newFakeNegotiator(func(f *fakeNegotiation) { f.establish(t, peerTS) })
	p := pskProfile()
	p.RemoteTS, p.AllowPeerTS = []string{"192.0.2.1/32"}, true
	if _, err := dial(t, n, neg, p); err != nil {
		t.Fatal(err)
	}
	for _, op := range n.Ops() {
		if op.Kind == platformtest.OpListenUDP && op.FwMark != DefaultFwMark {
			t.Errorf("socket mark %#x, want %#x", op.FwMark, DefaultFwMark)
		}
	}
	if c := n.Installed()["work"]; c.FwMark != DefaultFwMark || !c.AllowPeerTS {
		t.Errorf("installed mark %#x allow %v", c.FwMark, c.AllowPeerTS)
	}
}

// TestProfileErrors: what the session cannot use fails before touching
// the system, permanently. A profile that does not parse at all (an
// unknown proposal) never reaches Dial: the Manager fails it.
func TestProfileErrors(t *testing.T) {
	eap := pskProfile()
	eap.Auth, eap.PSK, eap.Username, eap.Password = api.AuthEAPMSCHAPv2, "", "alice", "secret" // no CA
	noCA := pskProfile()
	noCA.Auth, noCA.PSK, noCA.CertFile, noCA.KeyFile = api.AuthCert, "", "/nonexistent/cert.pem", "/nonexistent/key.pem"
	for name, p := range map[string]api.Profile{"eap without CA": eap, "cert file": noCA} {
		t.Run(name, func(t *testing.T) {
			n := newTestNet()
			_, err := dial(t, n, newFakeNegotiator(nil), p)
			var perm interface{ Permanent() bool }
			if err == nil || !errors.As(err, &perm) || !perm.Permanent() {
				t.Fatalf("Dial: %v, want a permanent error", err)
			}
			if len(n.Ops()) != 0 {
				t.Errorf("the system was touched: %v", n.Kinds())
			}
		})
	}
}

// TestResolvesGatewayName: a host name goes through the resolver, and the
// gateway must prove that name by default.
func TestResolvesGatewayName(t *testing.T) {
	n := newTestNet()
	neg := newFakeNegotiator(func(f *fakeNegotiation) { f.establish(t, []netip.Prefix{lanV4}) })
	d := NewConnector(n, Options{Negotiator: neg, Resolver: fakeResolver{"vpn.example.test": gwAddr}, Workers: 1})
	p := pskProfile()
	p.Gateway = "vpn.example.test:4501"
	s, err := d.Dial(context.Background(), attempt(t, p))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	f := neg.next(t)
	if f.cfg.Remote != netip.AddrPortFrom(gwAddr, 4501) || !isID(f.cfg.RemoteID, "vpn.example.test") {
		t.Errorf("remote %v id %v", f.cfg.Remote, f.cfg.RemoteID)
	}
	p.Gateway = "unknown.example.test"
	_, err = d.Dial(context.Background(), attempt(t, p))
	if c := failureCode(err); err == nil || c != api.FailureDNS {
		t.Errorf("an unresolvable gateway: %v, code %q", err, c)
	}
}

type fakeResolver map[string]netip.Addr

func (r fakeResolver) LookupNetIP(_ context.Context, _, host string) ([]netip.Addr, error) {
	if a, ok := r[host]; ok {
		return []netip.Addr{a}, nil
	}
	return nil, errors.New("no such host")
}
