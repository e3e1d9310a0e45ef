package e2e

import (
	"log/slog"
	"net/netip"
	"testing"

	"github.com/espressovpn/espresso/helper/e2e/lab"
	"github.com/espressovpn/espresso/ipsec/datapath"
	"github.com/espressovpn/espresso/ipsec/ike"
	"github.com/espressovpn/espresso/platform"
	"github.com/espressovpn/espresso/platform/linux"
	"github.com/espressovpn/espresso/platform/linux/testnet"
	"golang.zx2c4.com/wireguard/tun"
)

// responder is Espresso's own IKEv2 responder and ESP engine acting as the
// gateway of a testnet.Topology, in the test process with its sockets and
// TUN device in the gateway namespace. It accepts lab.PSKProfile's
// client, hands out a virtual IP from testnet.PoolV4 for the LAN, and,
// unlike strongSwan's kernel-libipsec (which always forces UDP
// encapsulation), sends ESP as IP protocol 50 when there is no NAT.
type responder struct {
	events chan ike.Event
}

// transport gives a platform socket the engine's Transport shape.
type transport struct{ t platform.Transport }

func (a transport) ReadBatch(msgs []datapath.Datagram) (int, error) {
	pm := make([]platform.Datagram, len(msgs))
	for i := range msgs {
		pm[i].Buf = msgs[i].Buf
	}
	n, err := a.t.ReadBatch(pm)
	for i := range n {
		msgs[i] = datapath.Datagram(pm[i])
	}
	return n, err
}

func (a transport) WriteBatch(msgs []datapath.Datagram) (int, error) {
	pm := make([]platform.Datagram, len(msgs))
	for i := range msgs {
		pm[i] = platform.Datagram(msgs[i])
	}
	return a.t.WriteBatch(pm)
}

func (a transport) BatchSize() int { return a.t.BatchSize() }

// startResponder starts the gateway in top.Gateway and stops it when the
// test ends.
func startResponder(t *testing.T, top *testnet.Topology) *responder {
	t.Helper()
	gw := netip.AddrPortFrom(testnet.GatewayV4, ike.DefaultIKEPort)
	natt := netip.AddrPortFrom(testnet.GatewayV4, ike.DefaultNATTPort)
	var (
		dev               tun.Device
		ikeT, nattT, rawT platform.Transport
	)
	closeAll := func() {
		for _, c := range []interface{ Close() error }{dev, ikeT, nattT, rawT} {
			if c != nil {
				c.Close()
			}
		}
	}
	err := top.Gateway.Do(func() error {
		var err error
		if dev, err = tun.CreateTUN("esgw%d", platform.DefaultMTU); err != nil {
			return err
		}
		if ikeT, err = platform.ListenUDP(platform.UDPConfig{Addr: gw}); err != nil {
			return err
		}
		if nattT, err = platform.ListenUDP(platform.UDPConfig{Addr: natt}); err != nil {
			return err
		}
		n, err := linux.New(linux.Options{StateDir: t.TempDir()})
		if err != nil {
			return err
		}
		rawT, err = n.ListenRawESP(platform.RawESPConfig{Local: testnet.GatewayV4})
		return err
	})
	if err != nil {
		closeAll()
		t.Fatalf("responder in %s: %v", top.Gateway.Name, err)
	}
	name, err := dev.Name()
	if err != nil {
		closeAll()
		t.Fatal(err)
	}
	top.Gateway.MustRun("ip", "link", "set", name, "up")
	top.Gateway.MustRun("ip", "route", "add", testnet.PoolV4.String(), "dev", name)

	eng, err := datapath.New(datapath.Config{
		Device: dev, UDP: transport{nattT}, Raw: transport{rawT},
		MTU: platform.DefaultMTU, Workers: 2,
	})
	if err != nil {
		closeAll()
		t.Fatal(err)
	}
	localID, _ := ike.ParseIdentity(lab.GatewayID)
	remoteID, _ := ike.ParseIdentity(lab.PSKClientID)
	r := &responder{events: make(chan ike.Event, 64)}
	d, err := ike.New(ike.Config{
		Responder: true,
		LocalID:   localID, RemoteID: remoteID,
		PSK:     []byte(lab.PSK),
		LocalTS: []netip.Prefix{testnet.LANV4},
		Pool4:   testnet.PoolV4,
		RawESP:  true,
	}, ike.Sockets{IKE: ikeT, NATT: ike.EngineNATT(eng, natt)}, ike.Options{
		DataPath:  ike.NewEngineDataPath(eng),
		LocalAddr: testnet.GatewayV4,
		Logger:    slog.New(slog.NewTextHandler(testWriter{t}, nil)),
		OnEvent: func(ev ike.Event) {
			select {
			case r.events <- ev:
			default:
			}
		},
	})
	if err != nil {
		closeAll()
		eng.Close()
		t.Fatal(err)
	}
	t.Cleanup(func() {
		d.Close() // closes the IKE socket
		closeAll()
		eng.Close()
	})
	return r
}

// established returns the responder's Established event, if it had one.
func (r *responder) established() *ike.Established {
	for {
		select {
		case ev := <-r.events:
			if e, ok := ev.(*ike.Established); ok {
				return e
			}
		default:
			return nil
		}
	}
}

// testWriter sends the responder's log to the test's.
type testWriter struct{ t *testing.T }

func (w testWriter) Write(b []byte) (int, error) {
	w.t.Logf("gateway: %s", b)
	return len(b), nil
}
