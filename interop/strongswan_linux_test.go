package interop

import (
	"crypto/x509"
	"errors"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/espressovpn/espresso/ipsec/datapath"
	"github.com/espressovpn/espresso/ipsec/ike"
	"github.com/espressovpn/espresso/ipsec/socket"
	"github.com/espressovpn/espresso/ipsec/suite"
	"github.com/espressovpn/espresso/platform"
	"github.com/espressovpn/espresso/platform/linux/testnet"
)

const (
	gwID  = "gw.example.test"
	cliID = "client@example.test"
	psk   = "interop-psk-0123456789abcdef"
)

// client is Espresso's initiator and ESP engine in the client namespace.
type client struct {
	d      *ike.Conn
	dev    *chanDevice
	events chan ike.Event
	vip    netip.Addr
}

// startClient opens the sockets in the client namespace and starts the
// engine and the daemon.
func startClient(t *testing.T, top *testnet.Topology, cfg ike.Config) *client {
	t.Helper()
	var ikeSock, nattSock socket.Transport
	if err := top.Client.Do(func() error {
		var err error
		if ikeSock, err = platform.ListenUDP(platform.UDPConfig{Addr: netip.MustParseAddrPort("0.0.0.0:500")}); err != nil {
			return err
		}
		nattSock, err = platform.ListenUDP(platform.UDPConfig{Addr: netip.MustParseAddrPort("0.0.0.0:4500")})
		return err
	}); err != nil {
		t.Fatal(err)
	}
	c := &client{dev: newChanDevice(), events: make(chan ike.Event, 64)}
	e, err := datapath.New(datapath.Config{Device: c.dev, UDP: nattSock})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		c.dev.Close()
		nattSock.Close()
		e.Close()
	})
	cfg.Remote = netip.AddrPortFrom(testnet.GatewayV4, 500)
	c.d, err = ike.New(cfg, ike.Sockets{IKE: ikeSock, NATT: ike.EngineNATT(e, nattSock.LocalAddr())}, ike.Options{
		DataPath:  ike.NewEngineDataPath(e),
		LocalAddr: top.ClientAddr,
		OnEvent:   func(ev ike.Event) { c.events <- ev },
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.d.Close() })
	return c
}

// next waits for an event of type E; Down fails the test unless awaited.
func next[E ike.Event](t *testing.T, c *client, within time.Duration) E {
	t.Helper()
	deadline := time.After(within)
	for {
		select {
		case ev := <-c.events:
			if x, ok := ev.(E); ok {
				return x
			}
			if d, ok := ev.(*ike.Down); ok {
				t.Fatalf("connection down: %v", d.Err)
			}
		case <-deadline:
			var zero E
			t.Fatalf("no %T within %v", zero, within)
			return zero
		}
	}
}

// ping sends echo requests from the virtual IP to the LAN host through the
// tunnel until one is answered.
func (c *client) ping(t *testing.T, seq uint16) {
	t.Helper()
	for try := range 5 {
		s := seq*8 + uint16(try)
		c.dev.in <- echoRequest(c.vip, testnet.LANHostV4, 0x4242, s)
		timeout := time.After(time.Second)
	wait:
		for {
			select {
			case p := <-c.dev.out:
				if isEchoReply(p, testnet.LANHostV4, 0x4242, s) {
					return
				}
			case <-timeout:
				break wait
			}
		}
	}
	t.Fatalf("no echo reply from %v through the tunnel", testnet.LANHostV4)
}

func proposals(t *testing.T, esp bool, ss ...string) []suite.Proposal {
	var out []suite.Proposal
	for _, s := range ss {
		p, err := suite.ParseProposal(s, esp)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, p)
	}
	return out
}

// gatewayConn is the swanctl connection of the gateway, named "rw".
func gatewayConn(auth string) testnet.Conn {
	return testnet.Conn{
		Name: "rw", LocalAuth: auth, RemoteAuth: auth,
		LocalID: gwID, RemoteID: cliID,
		LocalTS: []string{testnet.LANV4.String()}, Pools: []string{"v4"},
		IKEProposals: []string{"aes256gcm16-prfsha384-ecp384", "aes128gcm16-prfsha256-x25519", "aes256-sha256-modp3072"},
		ESPProposals: []string{"aes256gcm16-x25519", "aes128gcm16", "aes128-sha256"},
	}
}

func clientConfig(t *testing.T) ike.Config {
	l, err := ike.ParseIdentity(cliID)
	if err != nil {
		t.Fatal(err)
	}
	r, _ := ike.ParseIdentity(gwID)
	return ike.Config{
		LocalID: l, RemoteID: r, VirtualIPv4: true,
		RemoteTS:     []netip.Prefix{testnet.LANV4},
		IKEProposals: proposals(t, false, "aes128gcm16-prfsha256-x25519", "aes256gcm16-prfsha384-ecp384"),
		ESPProposals: proposals(t, true, "aes256gcm16-x25519-noesn", "aes128gcm16-noesn"),
	}
}

// exercise runs the whole life of a connection against the gateway:
// establishment, traffic, rekeys by both sides, and a delete by one side.
func exercise(t *testing.T, top *testnet.Topology, gw *testnet.Charon, cfg ike.Config, deleteByGateway bool) {
	keepLog(t, gw)
	c := startClient(t, top, cfg)
	est := next[*ike.Established](t, c, 30*time.Second)
	if len(est.VirtualIPs) != 1 || !testnet.PoolV4.Contains(est.VirtualIPs[0]) {
		t.Fatalf("virtual IPs %v, want one of %v", est.VirtualIPs, testnet.PoolV4)
	}
	if len(est.DNS) != 1 || est.DNS[0] != testnet.DNSV4 {
		t.Fatalf("DNS %v, want %v", est.DNS, testnet.DNSV4)
	}
	if !est.RemoteNAT || est.Remote.Port() != 4500 || !est.Child.Encap {
		t.Fatalf("not UDP-encapsulated on 4500: %+v", est)
	}
	t.Logf("established %s / %s, virtual IP %v", est.IKEProposal, est.ESPProposal, est.VirtualIPs[0])
	c.vip = est.VirtualIPs[0]
	sas := gw.ListSAs()
	if !strings.Contains(sas, "ESTABLISHED") || !strings.Contains(sas, "INSTALLED") || !strings.Contains(sas, est.VirtualIPs[0].String()) {
		t.Fatalf("gateway lists no established Child SA:\n%s", sas)
	}
	c.ping(t, 1)
	if in, _ := testnet.ChildPackets(gw.ListSAs()); in == 0 {
		t.Fatalf("the gateway's Child SA counted no packets:\n%s", gw.ListSAs())
	}

	if out, err := gw.Swanctl("--rekey", "--child", "rw"); err != nil {
		t.Fatalf("gateway child rekey: %v\n%s", err, out)
	}
	next[*ike.ChildRekeyed](t, c, 20*time.Second)
	c.ping(t, 2)
	if out, err := gw.Swanctl("--rekey", "--ike", "rw"); err != nil {
		t.Fatalf("gateway IKE rekey: %v\n%s", err, out)
	}
	next[*ike.IKERekeyed](t, c, 20*time.Second)
	c.ping(t, 3)
	c.d.RekeyChild()
	next[*ike.ChildRekeyed](t, c, 20*time.Second)
	c.ping(t, 4)
	c.d.RekeyIKE()
	next[*ike.IKERekeyed](t, c, 20*time.Second)
	c.ping(t, 5)
	sas = gw.ListSAs()
	if strings.Count(sas, "ESTABLISHED") != 1 || strings.Count(sas, "INSTALLED") != 1 {
		t.Fatalf("after the rekeys the gateway should hold one IKE SA and one Child SA:\n%s", sas)
	}

	if deleteByGateway {
		if out, err := gw.Swanctl("--terminate", "--ike", "rw", "--timeout", "10"); err != nil {
			t.Fatalf("gateway terminate: %v\n%s", err, out)
		}
		if d := next[*ike.Down](t, c, 10*time.Second); !errors.Is(d.Err, ike.ErrDeleted) {
			t.Fatalf("client down: %v", d.Err)
		}
	} else {
		c.d.Terminate()
		if d := next[*ike.Down](t, c, 10*time.Second); d.Err != nil {
			t.Fatalf("client down: %v", d.Err)
		}
	}
	for range 50 {
		if !strings.Contains(gw.ListSAs(), "ESTABLISHED") {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("the gateway still lists the SA after the delete:\n%s", gw.ListSAs())
}

// pskGateway starts a topology and a gateway with conn and the PSK, whose
// log is kept when the test fails.
func pskGateway(t *testing.T, conn testnet.Conn) (*testnet.Topology, *testnet.Charon) {
	t.Helper()
	top := testnet.NewTopology(t, testnet.Options{})
	gw := testnet.StartCharon(t, top.Gateway, testnet.CharonConfig{
		Conns:   []testnet.Conn{conn},
		Secrets: []testnet.Secret{{Kind: "ike", IDs: []string{gwID, cliID}, Secret: psk}},
		DNS:     []string{testnet.DNSV4.String()},
	})
	keepLog(t, gw)
	return top, gw
}

// pskTunnel starts a gateway with conn and the PSK, and a client whose
// tunnel is up, with its virtual IP known and one ping answered through it;
// est is the client's Established event.
func pskTunnel(t *testing.T, conn testnet.Conn) (*testnet.Topology, *testnet.Charon, *client, *ike.Established) {
	t.Helper()
	top, gw := pskGateway(t, conn)
	cfg := clientConfig(t)
	cfg.PSK = []byte(psk)
	c := startClient(t, top, cfg)
	est := next[*ike.Established](t, c, 30*time.Second)
	c.vip = est.VirtualIPs[0]
	c.ping(t, 1)
	return top, gw, c, est
}

// keepLog saves the gateway's whole log when the test fails: the harness
// shows only its tail.
func keepLog(t *testing.T, gw *testnet.Charon) {
	t.Cleanup(func() {
		if t.Failed() {
			f := filepath.Join(os.TempDir(), "espresso-interop-"+strings.ReplaceAll(t.Name(), "/", "-")+".log")
			if os.WriteFile(f, []byte(gw.Log()), 0o600) == nil {
				t.Logf("gateway log: %s", f)
			}
		}
	})
}

func TestPSK(t *testing.T) {
	for _, tc := range []struct {
		name            string
		nat, deleteByGW bool
		ike, esp        string
	}{
		{"direct", false, false, "", ""},
		{"direct-gateway-deletes", false, true, "", ""},
		{"nat", true, false, "", ""},
		{"aes-cbc-modp3072", false, false, "aes256-sha256-modp3072", "aes128-sha256"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			top := testnet.NewTopology(t, testnet.Options{NAT: tc.nat})
			gw := testnet.StartCharon(t, top.Gateway, testnet.CharonConfig{
				Conns:   []testnet.Conn{gatewayConn("psk")},
				Secrets: []testnet.Secret{{Kind: "ike", IDs: []string{gwID, cliID}, Secret: psk}},
				DNS:     []string{testnet.DNSV4.String()},
			})
			cfg := clientConfig(t)
			cfg.PSK = []byte(psk)
			if tc.ike != "" {
				cfg.IKEProposals = proposals(t, false, tc.ike)
				cfg.ESPProposals = proposals(t, true, tc.esp)
			}
			exercise(t, top, gw, cfg, tc.deleteByGW)
		})
	}
}

func TestCertificates(t *testing.T) {
	for _, nat := range []bool{false, true} {
		name := "direct"
		if nat {
			name = "nat"
		}
		t.Run(name, func(t *testing.T) {
			top := testnet.NewTopology(t, testnet.Options{NAT: nat})
			pki, err := testnet.NewPKI(testnet.RSA3072)
			if err != nil {
				t.Fatal(err)
			}
			gwCert, err := pki.Issue(gwID, testnet.RSA3072)
			if err != nil {
				t.Fatal(err)
			}
			cliCert, err := pki.Issue(cliID, testnet.RSA3072)
			if err != nil {
				t.Fatal(err)
			}
			conn := gatewayConn("pubkey")
			conn.LocalCert = gwCert
			gw := testnet.StartCharon(t, top.Gateway, testnet.CharonConfig{
				Conns: []testnet.Conn{conn}, CA: pki.CA, Key: gwCert,
				DNS: []string{testnet.DNSV4.String()},
			})
			cfg := clientConfig(t)
			cfg.LocalAuth, cfg.RemoteAuth = ike.AuthCert, ike.AuthCert
			cfg.Cert, cfg.Key = []*x509.Certificate{cliCert.Cert}, cliCert.Key
			cfg.CAs = []*x509.Certificate{pki.CA.Cert}
			exercise(t, top, gw, cfg, nat)
			log := gw.Log()
			if !strings.Contains(log, "splitting IKE message") || !strings.Contains(log, "reassembled fragmented IKE message") {
				t.Fatalf("IKE_AUTH was not fragmented both ways; gateway log:\n%s", log)
			}
		})
	}
}
