package session_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"net/netip"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/espressovpn/espresso/helper/api"
	prof "github.com/espressovpn/espresso/helper/profile"
	"github.com/espressovpn/espresso/helper/session"
	"github.com/espressovpn/espresso/ipsec/datapath"
	"github.com/espressovpn/espresso/ipsec/ike"
	"github.com/espressovpn/espresso/ipsec/ike/iketest"
	"github.com/espressovpn/espresso/ipsec/ike/responder"
	"github.com/espressovpn/espresso/ipsec/ike/wire"
	"github.com/espressovpn/espresso/ipsec/socket"
	"github.com/espressovpn/espresso/platform"
	"github.com/espressovpn/espresso/platform/platformtest"
)

var (
	gwAddr  = netip.MustParseAddr("192.0.2.1")
	cliAddr = netip.MustParseAddr("192.0.2.2")
	lan     = netip.MustParsePrefix("203.0.113.0/24")
	lanHost = netip.MustParseAddr("203.0.113.10")
	pool    = netip.MustParsePrefix("198.18.0.0/24")
	dns     = netip.MustParseAddr("203.0.113.53")
)

const psk = "in-process-psk-0123456789"

// network is the client's platform: the recording fake for the system,
// with sockets on an in-memory network shared with the gateway.
type network struct {
	*platformtest.Network
	net *iketest.Network

	mu      sync.Mutex
	port    uint16
	tunnels []platform.Tunnel
}

func (n *network) ListenUDP(cfg platform.UDPConfig) (socket.Transport, error) {
	if _, err := n.Network.ListenUDP(cfg); err != nil {
		return nil, err
	}
	n.mu.Lock()
	n.port++
	port := 40000 + n.port
	n.mu.Unlock()
	return n.net.Listen(netip.AddrPortFrom(cliAddr, port)), nil
}

func (n *network) Open(name string) (platform.Tunnel, error) {
	t, err := n.Network.Open(name)
	if err == nil {
		n.mu.Lock()
		n.tunnels = append(n.tunnels, t)
		n.mu.Unlock()
	}
	return t, err
}

func (n *network) device() *platformtest.Device {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.tunnels[len(n.tunnels)-1].Links()[0].Device.(*platformtest.Device)
}

// gateway is an ike responder with an ESP engine, on the in-memory network.
type gateway struct {
	dev *platformtest.Device
	d   *ike.Conn
}

func startGateway(t *testing.T, n *iketest.Network) *gateway {
	t.Helper()
	return startGatewayAt(t, n, netip.AddrPortFrom(gwAddr, 4500), false)
}

// startGatewayAt starts the gateway with its port-4500 socket bound to
// natt, announcing MOBIKE unless noMOBIKE.
func startGatewayAt(t *testing.T, n *iketest.Network, natt netip.AddrPort, noMOBIKE bool) *gateway {
	t.Helper()
	mustID := func(s string) wire.Identity {
		id, err := ike.ParseIdentity(s)
		if err != nil {
			t.Fatal(err)
		}
		return id
	}
	ikeConn := n.Listen(netip.AddrPortFrom(gwAddr, 500))
	nattConn := n.Listen(natt)
	dev := platformtest.NewDevice("gw0")
	eng, err := datapath.New(datapath.Config{Device: dev, UDP: nattConn, Workers: 1})
	if err != nil {
		t.Fatal(err)
	}
	cfg := ike.Config{
		LocalID:  mustID("gw.example.test"),
		RemoteID: mustID("client@example.test"),
		PSK:      []byte(psk),
		LocalTS:  []netip.Prefix{lan},
		Pool4:    pool,
		DNS:      []netip.Addr{dns},

		DisableMOBIKE: noMOBIKE,
	}
	d, err := responder.New(cfg, ike.Sockets{IKE: ikeConn, NATT: ike.EngineNATT(eng, nattConn.LocalAddr())},
		ike.Options{DataPath: ike.NewEngineDataPath(eng)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		d.Close()
		nattConn.Close()
		dev.Close()
		eng.Close()
	})
	return &gateway{dev: dev, d: d}
}

// attempt is what the Manager dials p with.
func attempt(t *testing.T, p api.Profile) session.Attempt {
	t.Helper()
	tp, err := prof.Parse(&p)
	if err != nil {
		t.Fatal(err)
	}
	return session.Attempt{Profile: tp}
}

func profile(key string) api.Profile {
	return api.Profile{
		Name: "work", Gateway: gwAddr.String(), RemoteID: "gw.example.test", LocalID: "client@example.test",
		Auth: api.AuthPSK, PSK: key, RemoteTS: []string{lan.String()},
	}
}

func newNetwork() *network {
	n := &network{Network: platformtest.NewNetwork(), net: iketest.NewNetwork()}
	n.SetRoute(gwAddr, platform.NextHop{Interface: "eth0", Source: cliAddr})
	return n
}

// TestConnectsToIKEResponder runs the helper's Dialer with its IKE
// Negotiator against ipsec/ike's responder in one process: the session
// comes up with a virtual IP from the gateway's pool and carries traffic
// both ways through the two ESP engines.
func TestConnectsToIKEResponder(t *testing.T) {
	n := newNetwork()
	gw := startGateway(t, n.net)
	log := &logRecorder{}
	d := session.NewConnector(n, session.Options{Negotiator: session.IKE{}, Logger: log, Timeout: 20 * time.Second, Workers: 1})
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	s, err := d.Dial(ctx, attempt(t, profile(psk)))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()

	info := s.Info()
	if len(info.VirtualIPs) != 1 || !pool.Contains(info.VirtualIPs[0]) {
		t.Fatalf("virtual IPs %v, want one from %v", info.VirtualIPs, pool)
	}
	vip := info.VirtualIPs[0]
	if !log.has("work", "ike: established") || log.has("work", psk) {
		t.Errorf("the helper's log lacks the IKE progress, or shows the key:\n%s", strings.Join(log.lines, "\n"))
	}
	cfg := n.Installed()["work"]
	if len(cfg.RemoteSelectors) != 1 || cfg.RemoteSelectors[0] != lan || len(cfg.DNS.Servers) != 1 || cfg.DNS.Servers[0] != dns {
		t.Errorf("installed routes %v, DNS %v", cfg.RemoteSelectors, cfg.DNS.Servers)
	}
	if info.Encapsulation != api.EncapsulationUDP || info.IKEProposal == "" || info.ESPProposal == "" {
		t.Errorf("info %+v", info)
	}

	up := udp4(vip, lanHost, "up")
	n.device().Inject(up)
	if got := recv(t, gw.dev.Written()); !bytes.Equal(got, up) {
		t.Error("the gateway received another packet than the client sent")
	}
	down := udp4(lanHost, vip, "down")
	gw.dev.Inject(down)
	if got := recv(t, n.device().Written()); !bytes.Equal(got, down) {
		t.Error("the client received another packet than the gateway sent")
	}

	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if len(n.Installed()) != 0 {
		t.Errorf("installed %v after Close", n.Installed())
	}
}

// TestFollowsGatewayNATRemap: with both ends behind NATs and no MOBIKE,
// the gateway's NAT maps its port 4500 to another port; the client
// follows the gateway's next authenticated request there (RFC 7296
// §2.23), and so does its ESP (ike.PeerMover), as nothing reaches the
// gateway through the old port any more.
func TestFollowsGatewayNATRemap(t *testing.T) {
	n := newNetwork()
	// The client's IKE and NAT-T sockets (the first and second it opens)
	// leave through its NAT.
	n.net.SetNAT(netip.AddrPortFrom(cliAddr, 40001), netip.MustParseAddrPort("198.51.100.7:1500"))
	n.net.SetNAT(netip.AddrPortFrom(cliAddr, 40002), netip.MustParseAddrPort("198.51.100.7:1501"))
	// The gateway's port 4500 is behind its NAT.
	gwInside := netip.MustParseAddrPort("198.18.1.1:4500")
	n.net.SetNAT(gwInside, netip.AddrPortFrom(gwAddr, 4500))
	gw := startGatewayAt(t, n.net, gwInside, true)
	d := session.NewConnector(n, session.Options{Negotiator: session.IKE{}, Timeout: 20 * time.Second, Workers: 1})
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	s, err := d.Dial(ctx, attempt(t, profile(psk)))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	vip := s.Info().VirtualIPs[0]
	if !s.Info().NATDetected {
		t.Fatal("the client does not see its NAT")
	}
	up := udp4(vip, lanHost, "up")
	n.device().Inject(up)
	if got := recv(t, gw.dev.Written()); !bytes.Equal(got, up) {
		t.Fatal("the gateway received another packet than the client sent")
	}

	n.net.SetNAT(gwInside, netip.AddrPortFrom(gwAddr, 31000))
	gw.d.RekeyIKE()
	// Until the client has followed, its ESP is lost on the old port:
	// send until one packet arrives, for a bounded time.
	deadline := time.After(10 * time.Second)
	for i := 0; ; i++ {
		p := udp4(vip, lanHost, fmt.Sprintf("after the remap %d", i))
		n.device().Inject(p)
		select {
		case got := <-gw.dev.Written():
			if !bytes.HasPrefix(got[28:], []byte("after the remap")) {
				t.Fatalf("the gateway received %q", got[28:])
			}
			return
		case <-time.After(100 * time.Millisecond):
		case <-deadline:
			t.Fatal("no ESP reached the gateway through its new port: the client's ESP did not follow it")
		}
	}
}

// TestWrongKeyIsPermanent: the gateway refusing our key fails the Dial
// with an authentication error that is not retried.
func TestWrongKeyIsPermanent(t *testing.T) {
	n := newNetwork()
	startGateway(t, n.net)
	d := session.NewConnector(n, session.Options{Negotiator: session.IKE{}, Timeout: 20 * time.Second, Workers: 1})
	_, err := d.Dial(context.Background(), attempt(t, profile("not-the-key-0123456789")))
	if !errors.Is(err, ike.ErrAuthFailed) {
		t.Fatalf("Dial: %v, want an authentication failure", err)
	}
	// The request named the gateway's identity (the profile's host), so
	// the refusal is reported with the identities as well as the key.
	if c, _ := session.Code(err); c != api.FailureAuthIdentities {
		t.Errorf("failure code %q, want %q", c, api.FailureAuthIdentities)
	}
	var p interface{ Permanent() bool }
	if !errors.As(err, &p) || !p.Permanent() {
		t.Error("an authentication failure must not be retried")
	}
	if len(n.Installed()) != 0 {
		t.Errorf("installed %v", n.Installed())
	}
}

// logRecorder is the helper's log.
type logRecorder struct {
	mu    sync.Mutex
	lines []string
}

func (l *logRecorder) Logf(level api.Level, conn, format string, args ...any) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.lines = append(l.lines, conn+": "+fmt.Sprintf(format, args...))
}

func (l *logRecorder) has(conn, s string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, line := range l.lines {
		if strings.HasPrefix(line, conn+": ") && strings.Contains(line, s) {
			return true
		}
	}
	return false
}

func recv(t *testing.T, c <-chan []byte) []byte {
	t.Helper()
	select {
	case p := <-c:
		return p
	case <-time.After(10 * time.Second):
		t.Fatal("no packet")
		return nil
	}
}

// udp4 builds an IPv4 UDP packet.
func udp4(src, dst netip.Addr, payload string) []byte {
	p := make([]byte, 28+len(payload))
	p[0] = 0x45
	binary.BigEndian.PutUint16(p[2:], uint16(len(p)))
	p[8], p[9] = 64, 17
	s, d := src.As4(), dst.As4()
	copy(p[12:], s[:])
	copy(p[16:], d[:])
	binary.BigEndian.PutUint16(p[20:], 40000)
	binary.BigEndian.PutUint16(p[22:], 9)
	binary.BigEndian.PutUint16(p[24:], uint16(8+len(payload)))
	copy(p[28:], payload)
	return p
}

// debugRecorder is the helper's log at debug level.
type debugRecorder struct{ logRecorder }

func (*debugRecorder) Enabled(api.Level) bool { return true }

// TestDebugLogShowsIKEMessages: with the helper's log at debug level, the
// session logs each IKE message under the profile's name, without the
// key; at info level it logs none.
func TestDebugLogShowsIKEMessages(t *testing.T) {
	for _, debug := range []bool{true, false} {
		n := newNetwork()
		startGateway(t, n.net)
		rec := &debugRecorder{}
		var log session.Logger = &rec.logRecorder
		if debug {
			log = rec
		}
		d := session.NewConnector(n, session.Options{Negotiator: session.IKE{}, Logger: log, Timeout: 20 * time.Second, Workers: 1})
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		s, err := d.Dial(ctx, attempt(t, profile(psk)))
		cancel()
		if err != nil {
			t.Fatal(err)
		}
		s.Close()
		sent := rec.has("work", "ike: sent exchange=IKE_AUTH kind=request id=2")
		got := rec.has("work", "ike: received exchange=IKE_AUTH kind=response id=2")
		if sent != debug || got != debug || rec.has("work", psk) {
			t.Errorf("debug %v: IKE_AUTH sent %v, received %v, or the key shown:\n%s", debug, sent, got, strings.Join(rec.lines, "\n"))
		}
	}
}

// TestDebugLogCountsDrops: an ESP packet the session cannot use is
// counted by reason in its counters and, at debug level, reported in the
// log at the next interval.
func TestDebugLogCountsDrops(t *testing.T) {
	n := newNetwork()
	startGateway(t, n.net)
	rec := &debugRecorder{}
	d := session.NewConnector(n, session.Options{Negotiator: session.IKE{}, Logger: rec, Timeout: 20 * time.Second, Workers: 1,
		DropReport: 10 * time.Millisecond})
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	s, err := d.Dial(ctx, attempt(t, profile(psk)))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	// An ESP packet for an SPI nobody gave out, to each of the client's
	// ports: the engine's socket drops it for want of an SA.
	esp := append([]byte{0xde, 0xad, 0xbe, 0xef, 0, 0, 0, 1}, make([]byte, 32)...)
	for port := uint16(40001); port <= 40004; port++ {
		n.net.Spoof(netip.AddrPortFrom(gwAddr, 4500), netip.AddrPortFrom(cliAddr, port), esp)
	}
	deadline := time.After(20 * time.Second)
	for !rec.has("work", "dropped: ") {
		select {
		case <-deadline:
			t.Fatalf("no drop reported in the log:\n%s", strings.Join(rec.lines, "\n"))
		case <-time.After(10 * time.Millisecond):
		}
	}
	if !rec.has("work", "dropped: no_sa +1 (1 in all)") {
		t.Errorf("the log does not name the drop:\n%s", strings.Join(rec.lines, "\n"))
	}
	if c := s.Counters(); c.Drops["no_sa"] != 1 {
		t.Errorf("counters %v, want one no_sa drop", c.Drops)
	}
}
