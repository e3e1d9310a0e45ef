package ike_test

import (
	"net/netip"
	"testing"
	"time"

	"github.com/espressovpn/espresso/ipsec/ike"
	"github.com/espressovpn/espresso/ipsec/ike/internal/core"
	"github.com/espressovpn/espresso/ipsec/ike/responder"
	"github.com/espressovpn/espresso/ipsec/internal/pcap"
	"github.com/espressovpn/espresso/ipsec/socket"
)

// stillClock never fires its timers.
type stillClock struct{}

func (stillClock) Now() time.Time                            { return time.Now() }
func (stillClock) AfterFunc(time.Duration, func()) ike.Timer { return stillTimer{} }

type stillTimer struct{}

func (stillTimer) Stop() bool { return true }

// sink is a socket that drops what is written and never reads.
type sink struct{ local netip.AddrPort }

func (s sink) ReadBatch([]socket.Datagram) (int, error)    { return 0, socket.ErrClosed }
func (s sink) WriteBatch(m []socket.Datagram) (int, error) { return len(m), nil }
func (s sink) BatchSize() int                              { return 1 }
func (s sink) LocalAddr() netip.AddrPort                   { return s.local }
func (s sink) Close() error                                { return nil }

// fuzzConn builds a connection in the role newRole builds (nil: the
// initiator) whose run goroutine is not started, so the fuzz target drives
// Receive itself; its timers never fire (the fake clock does not move).
func fuzzConn(t testing.TB, cfg ike.Config, newRole core.NewRole) *core.Machine {
	local := netip.MustParseAddr("192.0.2.1")
	if newRole == nil {
		local = netip.MustParseAddr("192.0.2.2")
	}
	socks := ike.Sockets{IKE: sink{netip.AddrPortFrom(local, 500)}, NATT: sink{netip.AddrPortFrom(local, 4500)}}
	d, err := core.Detached(cfg, socks, ike.Options{Clock: stillClock{}, Rand: zeroReader{}}, newRole)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// zeroReader is a deterministic source of "randomness" for fuzzing: the
// behaviour under test is parsing, not key quality.
type zeroReader struct{}

func (zeroReader) Read(b []byte) (int, error) {
	for i := range b {
		b[i] = byte(i + 1)
	}
	return len(b), nil
}

func seedCaptures(f *testing.F) {
	for _, name := range []string{
		"internal/kat/testdata/psk.pcap", "internal/kat/testdata/cert.pcap",
		// Post-quantum exchanges: ADDKE transforms, ML-KEM KE payloads,
		// IKE_INTERMEDIATE and IKE_FOLLOWUP_KE.
		"internal/kat/testdata/strongswan-6.0.6/x25519-mlkem768.pcap",
		"internal/kat/testdata/strongswan-6.0.6/ecp384-mlkem1024.pcap",
		"internal/kat/testdata/strongswan-6.0.6/mlkem768.pcap",
	} {
		ds, err := pcap.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		for _, d := range ds {
			if m, ok := d.IKE(); ok {
				f.Add(m)
			}
		}
	}
}

// FuzzResponder feeds any datagram to a fresh responder, then a second one
// to whatever state the first left: no input may panic.
func FuzzResponder(f *testing.F) {
	seedCaptures(f)
	f.Fuzz(func(t *testing.T, b []byte) {
		d := fuzzConn(t, ike.Config{PSK: []byte("fuzz-psk-0123456789"), Pool4: netip.MustParsePrefix("198.18.0.0/24")}, responder.NewRole)
		from := netip.MustParseAddrPort("192.0.2.2:500")
		d.Receive(core.Datagram{B: b, From: from})
		d.Receive(core.Datagram{B: b, From: from, NATT: true})
	})
}

// FuzzInitiator feeds any datagram to an initiator waiting for its
// IKE_SA_INIT response.
func FuzzInitiator(f *testing.F) {
	seedCaptures(f)
	f.Fuzz(func(t *testing.T, b []byte) {
		d := fuzzConn(t, ike.Config{Remote: netip.MustParseAddrPort("192.0.2.1:500"), PSK: []byte("fuzz-psk-0123456789")}, nil)
		d.StartRole()
		if len(b) >= 8 && d.SA != nil {
			// Let the message name our SPI so it reaches the state machine.
			for i := range 8 {
				b[i] = byte(d.SA.SPIi >> (56 - 8*i))
			}
		}
		d.Receive(core.Datagram{B: b, From: d.Remote})
		d.Receive(core.Datagram{B: b, From: d.Remote, NATT: true})
	})
}
