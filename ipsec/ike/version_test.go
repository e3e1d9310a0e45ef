package ike_test

import (
	"net/netip"
	"testing"
	"time"

	"github.com/espressovpn/espresso/ipsec/ike/iketest"
	"github.com/espressovpn/espresso/ipsec/ike/responder"
	"github.com/espressovpn/espresso/ipsec/ike/wire"
	"github.com/espressovpn/espresso/ipsec/socket"
)

// RFC 7296 §2.5: a request of a later major version is answered with
// INVALID_MAJOR_VERSION in a version 2 header that copies the request's
// SPIs, exchange type and Message ID (§1.5).
func TestInvalidMajorVersion(t *testing.T) {
	_, gw := pskConfigs(t)
	p := &pair{net: iketest.NewNetwork(), clock: iketest.NewClock()}
	p.gw = p.run(t, responder.New, gw, gatewayAddr, nil)
	probe := p.net.Listen(netip.AddrPortFrom(netip.MustParseAddr("192.0.2.3"), 500))
	h := wire.Header{
		SPIi: 0x0102030405060708, MajorVersion: 3, ExchangeType: wire.IKESAInit,
		Flags: wire.FlagInitiator, MessageID: 0, Length: wire.HeaderLen,
	}
	req := h.AppendTo(nil)
	if _, err := probe.WriteBatch([]socket.Datagram{{Buf: req, Addr: netip.AddrPortFrom(gatewayAddr, 500)}}); err != nil {
		t.Fatal(err)
	}
	got := make(chan []byte, 1)
	go func() {
		msgs := make([]socket.Datagram, 1)
		if n, err := probe.ReadBatch(msgs); err == nil && n == 1 {
			got <- msgs[0].Buf
		}
	}()
	t.Cleanup(func() { probe.Close() })
	var b []byte
	select {
	case b = <-got:
	case <-time.After(5 * time.Second):
		t.Fatal("no answer to a version 3 request")
	}
	m, err := wire.ParseMessage(b)
	if err != nil {
		t.Fatal(err)
	}
	rh := m.Header
	if rh.MajorVersion != 2 || !rh.IsResponse() || rh.IsInitiator() || rh.SPIi != h.SPIi || rh.ExchangeType != wire.IKESAInit || rh.MessageID != 0 {
		t.Fatalf("answer header %+v", rh)
	}
	if m.Payloads.Notify(wire.InvalidMajorVersion) == nil {
		t.Fatalf("answer without INVALID_MAJOR_VERSION: %v", m.Payloads)
	}
}
