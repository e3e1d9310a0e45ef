package ike_test

import (
	"github.com/espressovpn/espresso/ipsec/ike"
	"github.com/espressovpn/espresso/ipsec/ike/iketest"
	"github.com/espressovpn/espresso/ipsec/ike/responder"
	"github.com/espressovpn/espresso/ipsec/ike/wire"
	"github.com/espressovpn/espresso/ipsec/socket"
	"github.com/espressovpn/espresso/ipsec/socket/sockettest"
	"log/slog"
	"net/netip"
	"testing"
	"time"
)

// Addresses of the in-memory network: the client and the gateway.
var (
	clientAddr  = netip.MustParseAddr("192.0.2.2")
	gatewayAddr = netip.MustParseAddr("192.0.2.1")
	lan         = netip.MustParsePrefix("203.0.113.0/24")
	pool4       = netip.MustParsePrefix("198.18.0.0/24")
	dnsServer   = netip.MustParseAddr("203.0.113.53")
)

func mustID(t testing.TB, s string) wire.Identity {
	t.Helper()
	id, err := ike.ParseIdentity(s)
	if err != nil {
		t.Fatal(err)
	}
	return id
}

// peer is one running Conn with its events.
type peer struct {
	d      *ike.Conn
	events chan ike.Event
	engine *memEngine
}

// pair is a client and a gateway on one in-memory network.
type pair struct {
	net        *iketest.Network
	clock      *iketest.Clock
	cli, gw    *peer
	cliCfg     ike.Config
	gwCfg      ike.Config
	withEngine bool
	// engineOnNet puts the engines' port-4500 sockets on the network too,
	// so that addresses can move (iketest.Network.Move); the network then
	// waits rather than drops, as traffic tests count every packet.
	engineOnNet bool
	// gwPath, when set, is the gateway's data path (without an engine),
	// cliPath the client's.
	gwPath, cliPath ike.DataPath
	// sysClock runs the daemons on ike.SystemClock, for tests inside a
	// synctest bubble, instead of clock.
	sysClock bool
	// cliLog, when set, is the client's logger.
	cliLog *slog.Logger
}

// pskConfigs returns matching initiator and responder configurations.
func pskConfigs(t testing.TB) (ike.Config, ike.Config) {
	psk := []byte("in-process-test-psk-0123456789")
	cli := ike.Config{
		Remote:   netip.AddrPortFrom(gatewayAddr, 500),
		LocalID:  mustID(t, "client@example.test"),
		RemoteID: mustID(t, "gw.example.test"),
		PSK:      psk, VirtualIPv4: true,
		RemoteTS: []netip.Prefix{lan},
	}
	gw := ike.Config{
		LocalID:  mustID(t, "gw.example.test"),
		RemoteID: mustID(t, "client@example.test"),
		PSK:      psk,
		LocalTS:  []netip.Prefix{lan},
		Pool4:    pool4,
		DNS:      []netip.Addr{dnsServer},
	}
	return cli, gw
}

// start runs the gateway, then the client, on a fresh network.
func (p *pair) start(t testing.TB) {
	t.Helper()
	if p.net == nil {
		p.net = iketest.NewNetwork()
	}
	if p.clock == nil && !p.sysClock {
		p.clock = iketest.NewClock()
	}
	var cu, gu socket.Transport
	switch {
	case p.engineOnNet:
		p.net.SetWait(true)
		cu = p.net.Listen(netip.AddrPortFrom(clientAddr, 4500))
		gu = p.net.Listen(netip.AddrPortFrom(gatewayAddr, 4500))
	case p.withEngine:
		cu, gu = sockettest.Pipe(netip.AddrPortFrom(clientAddr, 4500), netip.AddrPortFrom(gatewayAddr, 4500), 4096, 16)
	}
	p.gw = p.run(t, responder.New, p.gwCfg, gatewayAddr, gu)
	p.cli = p.run(t, ike.New, p.cliCfg, clientAddr, cu)
}

// newConn is ike.New or responder.New.
type newConn func(ike.Config, ike.Sockets, ike.Options) (*ike.Conn, error)

func (p *pair) run(t testing.TB, newConn newConn, cfg ike.Config, addr netip.Addr, udp socket.Transport) *peer {
	t.Helper()
	pr := &peer{events: make(chan ike.Event, 64)}
	socks := ike.Sockets{IKE: p.net.Listen(netip.AddrPortFrom(addr, 500))}
	opt := ike.Options{OnEvent: func(e ike.Event) { pr.events <- e }}
	if p.clock != nil {
		opt.Clock = p.clock
	}
	if addr == clientAddr && p.cliLog != nil {
		opt.Logger = p.cliLog
	}
	if udp != nil {
		pr.engine = newMemEngine(t, udp)
		opt.DataPath = ike.NewEngineDataPath(pr.engine.e)
		socks.NATT = ike.EngineNATT(pr.engine.e, netip.AddrPortFrom(addr, 4500))
	} else {
		socks.NATT = p.net.Listen(netip.AddrPortFrom(addr, 4500))
		switch {
		case addr == gatewayAddr && p.gwPath != nil:
			opt.DataPath = p.gwPath
		case addr == clientAddr && p.cliPath != nil:
			opt.DataPath = p.cliPath
		}
	}
	d, err := newConn(cfg, socks, opt)
	if err != nil {
		t.Fatal(err)
	}
	pr.d = d
	t.Cleanup(func() { d.Close() })
	return pr
}

// eventWait bounds every wait for a daemon to act in real time: long
// enough for a loaded machine running the race detector, and only ever
// reached by a failing test.
const eventWait = 30 * time.Second

// next waits for the next event of type E, failing on Down unless E is
// *ike.Down, and skipping others.
func next[E ike.Event](t testing.TB, p *peer) E {
	t.Helper()
	deadline := time.After(eventWait)
	for {
		select {
		case e := <-p.events:
			if x, ok := e.(E); ok {
				return x
			}
			if dn, ok := e.(*ike.Down); ok {
				t.Fatalf("unexpected Down: %v", dn.Err)
			}
		case <-deadline:
			var zero E
			t.Fatalf("no %T event within %v", zero, eventWait)
			return zero
		}
	}
}

// The client's NAT in TestNATRebindingMovesESP: its two ports leave from
// an address of another documentation range.
var (
	natOutside500  = netip.MustParseAddrPort("198.51.100.2:40500")
	natOutside4500 = netip.MustParseAddrPort("198.51.100.2:44500")
)

func iketestNetworkWithNAT() *iketest.Network {
	n := iketest.NewNetwork()
	n.SetNAT(netip.AddrPortFrom(clientAddr, 500), natOutside500)
	n.SetNAT(netip.AddrPortFrom(clientAddr, 4500), natOutside4500)
	return n
}
