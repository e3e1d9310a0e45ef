package session

import (
	"crypto/rand"
	"encoding/binary"
	"github.com/espressovpn/espresso/ipsec/socket/sockettest"
	"net/netip"
	"sync"
	"testing"
	"time"

	"github.com/espressovpn/espresso/ipsec/esp"
	"github.com/espressovpn/espresso/ipsec/ike"
	"github.com/espressovpn/espresso/ipsec/ike/wire"
	"github.com/espressovpn/espresso/ipsec/socket"
	"github.com/espressovpn/espresso/ipsec/suite"
	"github.com/espressovpn/espresso/platform"
	"github.com/espressovpn/espresso/platform/platformtest"
)

// The test network: the gateway at 192.0.2.1 reached from 192.0.2.2 over
// eth0, handing out 198.18.0.1 and a DNS server on its LAN.
var (
	gwAddr  = netip.MustParseAddr("192.0.2.1")
	gwNATT  = netip.AddrPortFrom(gwAddr, 4500)
	cliAddr = netip.MustParseAddr("192.0.2.2")
	gwHop   = platform.NextHop{Gateway: netip.MustParseAddr("192.0.2.254"), Interface: "eth0", Source: cliAddr}
	vip     = netip.MustParseAddr("198.18.0.1")
	lanHost = netip.MustParseAddr("203.0.113.10")
	lanDNS  = netip.MustParseAddr("203.0.113.53")
)

// testNet is the recording fake platform, keeping the sockets and tunnels
// the session opens so that tests can play the gateway's side of them.
type testNet struct {
	*platformtest.Network
	mu      sync.Mutex
	udp     []*sockettest.Transport
	udpCfgs []platform.UDPConfig
	raw     []*sockettest.Transport
	tunnels []platform.Tunnel
}

func newTestNet() *testNet {
	n := &testNet{Network: platformtest.NewNetwork()}
	n.SetRoute(gwAddr, gwHop)
	return n
}

func (n *testNet) ListenUDP(cfg platform.UDPConfig) (socket.Transport, error) {
	t, err := n.Network.ListenUDP(cfg)
	if err == nil {
		n.mu.Lock()
		n.udp = append(n.udp, t.(*sockettest.Transport))
		n.udpCfgs = append(n.udpCfgs, cfg)
		n.mu.Unlock()
	}
	return t, err
}

func (n *testNet) ListenRawESP(cfg platform.RawESPConfig) (socket.Transport, error) {
	t, err := n.Network.ListenRawESP(cfg)
	if err == nil {
		n.mu.Lock()
		n.raw = append(n.raw, t.(*sockettest.Transport))
		n.mu.Unlock()
	}
	return t, err
}

func (n *testNet) Open(name string) (platform.Tunnel, error) {
	t, err := n.Network.Open(name)
	if err == nil {
		n.mu.Lock()
		n.tunnels = append(n.tunnels, t)
		n.mu.Unlock()
	}
	return t, err
}

// natt returns the session's NAT-T socket (the second UDP socket).
func (n *testNet) natt(t *testing.T) *sockettest.Transport {
	t.Helper()
	n.mu.Lock()
	defer n.mu.Unlock()
	if len(n.udp) < 2 {
		t.Fatalf("%d UDP sockets open, want 2", len(n.udp))
	}
	return n.udp[1]
}

// device returns the TUN device of the latest tunnel.
func (n *testNet) device(t *testing.T) *platformtest.Device {
	t.Helper()
	n.mu.Lock()
	tun := n.tunnels[len(n.tunnels)-1]
	n.mu.Unlock()
	links := tun.Links()
	if len(links) != 1 {
		t.Fatalf("%d links, want 1", len(links))
	}
	return links[0].Device.(*platformtest.Device)
}

// fakeNegotiator plays IKE: each Start runs script, if set, on a goroutine
// the negotiation owns.
type fakeNegotiator struct {
	script  func(*fakeNegotiation)
	started chan *fakeNegotiation
}

func newFakeNegotiator(script func(*fakeNegotiation)) *fakeNegotiator {
	return &fakeNegotiator{script: script, started: make(chan *fakeNegotiation, 8)}
}

func (f *fakeNegotiator) Start(cfg ike.Config, socks ike.Sockets, opts ike.Options) (Negotiation, error) {
	n := &fakeNegotiation{cfg: cfg, socks: socks, opts: opts, delivered: make(chan delivery, 8), unreachable: make(chan netip.AddrPort, 8),
		closed: make(chan struct{})}
	f.started <- n
	if f.script != nil {
		n.wg.Add(1)
		go func() {
			defer n.wg.Done()
			f.script(n)
		}()
	}
	return n, nil
}

// next waits for the next Start.
func (f *fakeNegotiator) next(t *testing.T) *fakeNegotiation {
	t.Helper()
	select {
	case n := <-f.started:
		return n
	case <-time.After(5 * time.Second):
		t.Fatal("no negotiation started")
		return nil
	}
}

type delivery struct {
	b    string
	from netip.AddrPort
	natt bool
}

// fakeNegotiation keeps the gateway's ends of the Child SA it installs.
type fakeNegotiation struct {
	cfg       ike.Config
	socks     ike.Sockets
	opts      ike.Options
	delivered chan delivery
	// unreachable gets the destinations of the ICMP errors handed over.
	unreachable chan netip.AddrPort
	closed      chan struct{}
	once        sync.Once
	wg          sync.WaitGroup

	mu       sync.Mutex
	child    *ike.ChildSA
	gwIn     *esp.SA // the gateway's inbound SA: what the client sends
	gwOut    *esp.SA // the gateway's outbound SA
	gwSeq    uint64
	rekeyReq int
}

// Deliver records an IKE message, without the non-ESP marker that comes
// with it from the NAT-T socket.
func (n *fakeNegotiation) Deliver(b []byte, from netip.AddrPort, natt bool) {
	if natt {
		if esp.Classify(b) != esp.KindIKE {
			b = []byte("no non-ESP marker")
		} else {
			b = b[esp.NonESPMarkerLen:]
		}
	}
	select {
	case n.delivered <- delivery{string(b), from, natt}:
	default:
	}
}

func (n *fakeNegotiation) Unreachable(dest netip.AddrPort) {
	select {
	case n.unreachable <- dest:
	default:
	}
}

func (n *fakeNegotiation) RekeyChild() {
	n.mu.Lock()
	n.rekeyReq++
	n.mu.Unlock()
}

// Close removes the Child SA and reports Down, as the real one does.
func (n *fakeNegotiation) Close() error {
	n.once.Do(func() {
		close(n.closed)
		n.wg.Wait()
		n.mu.Lock()
		c := n.child
		n.child = nil
		n.mu.Unlock()
		if c != nil {
			n.opts.DataPath.Remove(c)
		}
		n.opts.OnEvent(&ike.Down{})
	})
	return nil
}

func (n *fakeNegotiation) isClosed() bool {
	select {
	case <-n.closed:
		return true
	default:
		return false
	}
}

func aesGCM(t testing.TB, spi uint32) esp.Params {
	key := make([]byte, 36)
	if _, err := rand.Read(key); err != nil {
		t.Fatal(err)
	}
	return esp.Params{SPI: spi, Encr: suite.Transform{Type: suite.TypeEncr, ID: suite.EncrAESGCM16, KeyBits: 256}, EncrKey: key}
}

// installChild installs a Child SA from vip to remote as the real
// initiator would, keeping the gateway's SAs.
func (n *fakeNegotiation) installChild(t testing.TB, local, remote []netip.Prefix) {
	c := &ike.ChildSA{
		Inbound: aesGCM(t, 0xc0010001), Outbound: aesGCM(t, 0x9a7e0001),
		LocalTS: local, RemoteTS: remote, Encap: true, Remote: gwNATT,
	}
	gwIn, err := esp.New(c.Outbound)
	if err != nil {
		t.Error(err)
		return
	}
	gwOut, err := esp.New(c.Inbound)
	if err != nil {
		t.Error(err)
		return
	}
	// The gateway's SAs are in place before the client's: SetOutbound
	// sends what the trap holds at once, and a test may open it before
	// SetOutbound returns.
	n.mu.Lock()
	n.child, n.gwIn, n.gwOut = c, gwIn, gwOut
	n.mu.Unlock()
	if err := n.opts.DataPath.AddInbound(c); err != nil {
		t.Errorf("AddInbound: %v", err)
	}
	if err := n.opts.DataPath.SetOutbound(c, 0); err != nil {
		t.Errorf("SetOutbound: %v", err)
	}
}

// establish installs the Child SA and reports the IKE SA up.
func (n *fakeNegotiation) establish(t testing.TB, remote []netip.Prefix) {
	local := []netip.Prefix{netip.PrefixFrom(vip, 32)}
	n.installChild(t, local, remote)
	n.opts.OnEvent(&ike.Established{
		IKEProposal: "aes256gcm16-prfsha384-x25519", ESPProposal: "aes256gcm16",
		VirtualIPs: []netip.Addr{vip}, DNS: []netip.Addr{lanDNS},
		Child: ike.ChildInfo{Encap: true, LocalTS: local, RemoteTS: remote},
	})
}

// open decrypts an IPv4 ESP packet the client sent.
func (n *fakeNegotiation) open(t *testing.T, pkt []byte) []byte {
	t.Helper()
	inner, next, err := n.openAny(t, pkt)
	if err != nil || next != esp.NextIPv4 {
		t.Fatalf("the gateway cannot open the client's ESP packet: %v (next %d)", err, next)
	}
	return inner
}

// openAny decrypts an ESP packet the client sent with the gateway's
// inbound SA, returning the inner packet and its Next Header (RFC 4303
// §2.6) for the caller to check.
func (n *fakeNegotiation) openAny(t *testing.T, pkt []byte) ([]byte, byte, error) {
	t.Helper()
	n.mu.Lock()
	sa := n.gwIn
	n.mu.Unlock()
	_, seq, ok := esp.ParseHeader(pkt)
	if !ok {
		t.Fatal("not an ESP packet")
	}
	return sa.Open(new(esp.Scratch), append([]byte(nil), pkt...), uint64(seq))
}

// seal encrypts an inner IPv4 packet as the gateway sends it to the client.
func (n *fakeNegotiation) seal(t *testing.T, inner []byte) []byte {
	t.Helper()
	return n.sealNext(t, inner, esp.NextIPv4)
}

// sealNext encrypts an inner packet with Next Header next (RFC 4303 §2.6)
// under the gateway's outbound SA and its next sequence number.
func (n *fakeNegotiation) sealNext(t *testing.T, inner []byte, next byte) []byte {
	t.Helper()
	n.mu.Lock()
	sa := n.gwOut
	n.gwSeq++
	seq := n.gwSeq
	n.mu.Unlock()
	buf := make([]byte, 64+len(inner)+64)
	copy(buf[64:], inner)
	start, end, err := sa.Seal(new(esp.Scratch), buf, 64, len(inner), seq, next)
	if err != nil {
		t.Fatal(err)
	}
	return buf[start:end]
}

// ipv4UDP builds an IPv4 UDP packet with a payload.
func ipv4UDP(src, dst netip.Addr, payload string) []byte {
	p := make([]byte, 28+len(payload))
	p[0] = 0x45
	binary.BigEndian.PutUint16(p[2:], uint16(len(p)))
	p[8], p[9] = 64, 17
	s, d := src.As4(), dst.As4()
	copy(p[12:], s[:])
	copy(p[16:], d[:])
	binary.BigEndian.PutUint16(p[20:], 40000)
	binary.BigEndian.PutUint16(p[22:], 53)
	binary.BigEndian.PutUint16(p[24:], uint16(8+len(payload)))
	copy(p[28:], payload)
	return p
}

// isID reports whether id is the identity s names, as a profile writes it.
func isID(id wire.Identity, s string) bool {
	want, err := ike.ParseIdentity(s)
	return err == nil && id.Equal(want)
}
