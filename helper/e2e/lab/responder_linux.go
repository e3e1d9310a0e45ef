package lab

import (
	"fmt"
	"io"
	"log/slog"
	"net/netip"
	"os"
	"os/exec"
	"strings"

	"github.com/espressovpn/espresso/ipsec/datapath"
	"github.com/espressovpn/espresso/ipsec/ike"
	"github.com/espressovpn/espresso/ipsec/ike/responder"
	"github.com/espressovpn/espresso/ipsec/socket"
	"github.com/espressovpn/espresso/platform"
	"github.com/espressovpn/espresso/platform/linux"
	"github.com/espressovpn/espresso/platform/linux/testnet"
	"golang.zx2c4.com/wireguard/tun"
)

// Place is a network namespace code can run in: a *testnet.Namespace, or
// Here for the one the process runs in.
type Place interface {
	// Do runs f with the calling thread in the namespace; sockets and
	// devices f opens stay there.
	Do(f func() error) error
	// Run runs a command in the namespace and returns its combined output.
	Run(args ...string) (string, error)
}

// Here is the network namespace of the running process, for a program
// started inside a namespace (`ip netns exec`).
type Here struct{}

// Do runs f.
func (Here) Do(f func() error) error { return f() }

// Run runs the command.
func (Here) Run(args ...string) (string, error) {
	out, err := exec.Command(args[0], args[1:]...).CombinedOutput()
	if err != nil {
		return string(out), fmt.Errorf("%s: %w: %s", strings.Join(args, " "), err, strings.TrimSpace(string(out)))
	}
	return string(out), nil
}

// Responder is Espresso's own IKEv2 responder and ESP engine acting as the
// gateway of a testnet.Topology, with its sockets and TUN device in the
// gateway namespace. It accepts PSKProfile's client, hands out a virtual
// IP from testnet.PoolV4 for the LAN, and, unlike strongSwan's
// kernel-libipsec (which always forces UDP encapsulation), sends ESP as
// IP protocol 50 when there is no NAT and the client asks for it.
type Responder struct {
	events chan ike.Event
}

// StartResponder starts the responder in gw, the gateway namespace of a
// topology, logging to log (nil: discarded), and stops it when the test
// ends.
func StartResponder(t testnet.T, gw Place, log io.Writer) *Responder {
	t.Helper()
	return StartResponderMTU(t, gw, log, platform.DefaultMTU)
}

// StartResponderMTU is StartResponder with a TUN device and engine of the
// given MTU.
func StartResponderMTU(t testnet.T, gw Place, log io.Writer, mtu int) *Responder {
	t.Helper()
	if log == nil {
		log = io.Discard
	}
	ikeAddr := netip.AddrPortFrom(testnet.GatewayV4, ike.DefaultIKEPort)
	natt := netip.AddrPortFrom(testnet.GatewayV4, ike.DefaultNATTPort)
	state, err := os.MkdirTemp("", "espresso-responder-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(state) })
	var (
		dev               tun.Device
		ikeT, nattT, rawT socket.Transport
	)
	closeAll := func() {
		for _, c := range []interface{ Close() error }{dev, ikeT, nattT, rawT} {
			if c != nil {
				c.Close()
			}
		}
	}
	err = gw.Do(func() error {
		var err error
		if dev, err = tun.CreateTUN("esgw%d", mtu); err != nil {
			return err
		}
		// As the helper does: read the device in batches.
		batched, err := linux.BatchReads(dev)
		if err != nil {
			return err
		}
		dev = batched
		if ikeT, err = platform.ListenUDP(platform.UDPConfig{Addr: ikeAddr}); err != nil {
			return err
		}
		if nattT, err = platform.ListenUDP(platform.UDPConfig{Addr: natt}); err != nil {
			return err
		}
		n, err := linux.New(linux.Options{StateDir: state})
		if err != nil {
			return err
		}
		rawT, err = n.ListenRawESP(platform.RawESPConfig{Local: testnet.GatewayV4})
		return err
	})
	if err != nil {
		closeAll()
		t.Fatalf("responder: %v", err)
	}
	name, err := dev.Name()
	if err == nil {
		_, err = gw.Run("ip", "link", "set", name, "up")
	}
	if err == nil {
		_, err = gw.Run("ip", "route", "add", testnet.PoolV4.String(), "dev", name)
	}
	if err != nil {
		closeAll()
		t.Fatal(err)
	}

	eng, err := datapath.New(datapath.Config{
		Device: dev, UDP: nattT, Raw: rawT,
		MTU: mtu, Workers: 2, Backpressure: true, // as the helper does
		// As the helper does on Linux: the TUN device coalesces writes.
		CoalesceWrites: dev.BatchSize() > 1,
	})
	if err != nil {
		closeAll()
		t.Fatal(err)
	}
	localID, _ := ike.ParseIdentity(GatewayID)
	remoteID, _ := ike.ParseIdentity(PSKClientID)
	r := &Responder{events: make(chan ike.Event, 64)}
	d, err := responder.New(ike.Config{
		LocalID: localID, RemoteID: remoteID,
		PSK:     []byte(PSK),
		LocalTS: []netip.Prefix{testnet.LANV4},
		Pool4:   testnet.PoolV4,
		RawESP:  true,
	}, ike.Sockets{IKE: ikeT, NATT: ike.EngineNATT(eng, natt)}, ike.Options{
		DataPath:  ike.NewEngineDataPath(eng),
		LocalAddr: testnet.GatewayV4,
		Logger:    slog.New(slog.NewTextHandler(log, nil)),
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

// Established returns the responder's Established event, if it had one.
func (r *Responder) Established() *ike.Established {
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
