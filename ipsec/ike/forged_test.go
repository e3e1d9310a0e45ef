package ike_test

import (
	"errors"
	"net/netip"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/espressovpn/espresso/ipsec/ike"
	"github.com/espressovpn/espresso/ipsec/ike/iketest"
	"github.com/espressovpn/espresso/ipsec/ike/wire"
	"github.com/espressovpn/espresso/ipsec/suite"
)

// Nothing authenticates an IKE_SA_INIT response, nor a message outside an
// SK payload: anyone who sees the client's SPI can forge one from any
// address (RFC 7296 §2.21.1). These tests forge them and check that they
// end nothing.

// forgedInit returns an IKE_SA_INIT response to the request with SPIi spi
// carrying only the notify n, as the gateway's refusal would look.
func forgedInit(t testing.TB, spi uint64, n *wire.Notify) []byte {
	t.Helper()
	m := wire.Message{
		Header: wire.Header{
			SPIi: spi, MajorVersion: wire.MajorVersion,
			ExchangeType: wire.IKESAInit, Flags: wire.FlagResponse,
		},
		Payloads: wire.Payloads{n},
	}
	b, err := m.AppendTo(nil)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// initForger watches the client's IKE_SA_INIT requests on the network and
// calls forge with the SPI of the first, before the request goes on to
// the gateway: what forge spoofs reaches the client before any answer.
type initForger struct {
	mu    sync.Mutex
	spi   uint64
	sent  int
	forge func(spi uint64)
}

func (f *initForger) filter(from, _ netip.AddrPort, b []byte) bool {
	if from.Addr() != clientAddr {
		return true
	}
	h, err := wire.ParseHeader(b)
	if err != nil || h.ExchangeType != wire.IKESAInit || h.IsResponse() {
		return true
	}
	f.mu.Lock()
	f.sent++
	first := f.spi == 0
	f.spi = h.SPIi
	f.mu.Unlock()
	if first && f.forge != nil {
		f.forge(h.SPIi)
	}
	return true
}

func (f *initForger) requests() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.sent
}

// TestForgedInitResponseFromElsewhere: a NO_PROPOSAL_CHOSEN answer to the
// client's IKE_SA_INIT from another address, or from another port of the
// gateway's, is dropped and counted, and the client connects.
func TestForgedInitResponseFromElsewhere(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		cli, gw := pskConfigs(t)
		p := &pair{cliCfg: cli, gwCfg: gw, sysClock: true, net: iketest.NewNetwork()}
		client := netip.AddrPortFrom(clientAddr, 500)
		f := &initForger{forge: func(spi uint64) {
			b := forgedInit(t, spi, wire.NewNotify(wire.NoProposalChosen, nil))
			for _, from := range []netip.AddrPort{
				netip.MustParseAddrPort("198.51.100.66:500"),
				netip.AddrPortFrom(gatewayAddr, 501),
				netip.AddrPortFrom(gatewayAddr, 4500), // not on the NAT-T socket
			} {
				if !p.net.Spoof(from, client, b) {
					t.Error("the forged response found no client")
				}
			}
		}}
		p.net.SetFilter(f.filter)
		p.start(t)
		next[*ike.Established](t, p.cli)
		dr := p.cli.d.Drops()
		if dr.WrongSource != 3 || dr.ErrorNotify != 0 {
			t.Errorf("drops %+v, want 3 from the wrong source and no error notify noted", dr)
		}
		if n := f.requests(); n != 1 {
			t.Errorf("%d IKE_SA_INIT requests, want 1", n)
		}
	})
}

// TestForgedRefusalThenRealAnswer: a NO_PROPOSAL_CHOSEN, and an
// INVALID_KE_PAYLOAD asking for a method the client does not offer, from
// the gateway's own address and port, reach the client before the
// gateway's answer; they are noted, and the gateway's answer then
// establishes the IKE SA as if they had never come.
func TestForgedRefusalThenRealAnswer(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		cli, gw := pskConfigs(t)
		p := &pair{cliCfg: cli, gwCfg: gw, sysClock: true, net: iketest.NewNetwork()}
		f := &initForger{forge: func(spi uint64) {
			for _, n := range []*wire.Notify{
				wire.NewNotify(wire.NoProposalChosen, nil),
				wire.NewInvalidKEPayload(suite.TransformID(2)), // MODP-1024, never offered
			} {
				p.net.Spoof(netip.AddrPortFrom(gatewayAddr, 500), netip.AddrPortFrom(clientAddr, 500), forgedInit(t, spi, n))
			}
		}}
		p.net.SetFilter(f.filter)
		start := time.Now()
		p.start(t)
		next[*ike.Established](t, p.cli)
		next[*ike.Established](t, p.gw)
		if d := time.Since(start); d != 0 {
			t.Errorf("established after %v, want at once", d)
		}
		if dr := p.cli.d.Drops(); dr.ErrorNotify != 2 {
			t.Errorf("drops %+v, want 2 error notifies noted", dr)
		}
		if n := f.requests(); n != 1 {
			t.Errorf("%d IKE_SA_INIT requests, want 1", n)
		}
	})
}

// TestRefusalFailsAfterRetransmissions: a gateway that really shares no
// proposal with the client answers every transmission with
// NO_PROPOSAL_CHOSEN. The client keeps waiting for a valid answer until
// the last retransmission is unanswered (RFC 7296 §2.21.1), then fails
// with the refusal as the reason, marked as unauthenticated.
func TestRefusalFailsAfterRetransmissions(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		cli, gw := pskConfigs(t)
		cli.IKEProposals = proposals(t, false, "aes128-sha256-modp2048")
		gw.IKEProposals = proposals(t, false, "aes256gcm16-prfsha384-x25519")
		cli.Retransmit = ike.Retransmit{Timeout: time.Second, Base: 2, Tries: 2}
		cli.SetupTimeout = -1
		p := &pair{cliCfg: cli, gwCfg: gw, sysClock: true, net: iketest.NewNetwork()}
		f := &initForger{}
		p.net.SetFilter(f.filter)
		start := time.Now()
		p.start(t)
		err := next[*ike.Down](t, p.cli).Err
		// Transmissions at 0, 1 s and 3 s; the last is given up at 7 s.
		if d := time.Since(start); d != 7*time.Second {
			t.Errorf("failed after %v, want 7s", d)
		}
		var ue *ike.UnauthenticatedError
		var np *ike.NoProposalError
		if !errors.As(err, &ue) || !errors.As(err, &np) || np.Child || !errors.Is(err, ike.ErrNoProposalChosen) {
			t.Fatalf("down: %v, want an unauthenticated NO_PROPOSAL_CHOSEN", err)
		}
		if !ue.Unauthenticated() || ue.Unanswered == nil || ue.Unanswered.Tries != 3 || ue.Unanswered.Exchange != wire.IKESAInit {
			t.Errorf("down: %#v", ue)
		}
		if n := f.requests(); n != 3 {
			t.Errorf("%d IKE_SA_INIT requests, want 3", n)
		}
		if dr := p.cli.d.Drops(); dr.ErrorNotify != 3 {
			t.Errorf("drops %+v, want 3 error notifies noted", dr)
		}
	})
}

// TestUnprotectedMessagesEndNothing: on an established IKE SA, an
// unprotected INFORMATIONAL request deleting it, an unprotected response
// with a message ID the client never used, a message for unknown SPIs and
// garbage, all from the gateway's address, are dropped and counted; the
// IKE SA stays and rekeys.
func TestUnprotectedMessagesEndNothing(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		cli, gw := pskConfigs(t)
		p := &pair{cliCfg: cli, gwCfg: gw, sysClock: true, net: iketest.NewNetwork()}
		var mu sync.Mutex
		var spiI, spiR uint64
		p.net.SetFilter(func(from, _ netip.AddrPort, b []byte) bool {
			if len(b) > 4 && b[0]|b[1]|b[2]|b[3] == 0 {
				b = b[4:]
			}
			if h, err := wire.ParseHeader(b); err == nil && from.Addr() == clientAddr && h.ExchangeType == wire.IKEAuth {
				mu.Lock()
				spiI, spiR = h.SPIi, h.SPIr
				mu.Unlock()
			}
			return true
		})
		p.start(t)
		ce := next[*ike.Established](t, p.cli)
		next[*ike.Established](t, p.gw)
		mu.Lock()
		spis := [2]uint64{spiI, spiR}
		mu.Unlock()

		message := func(h wire.Header, ps ...wire.Payload) []byte {
			h.MajorVersion = wire.MajorVersion
			m := wire.Message{Header: h, Payloads: ps}
			b, err := m.AppendTo(make([]byte, 4)) // the non-ESP marker
			if err != nil {
				t.Fatal(err)
			}
			return b
		}
		for _, b := range [][]byte{
			message(wire.Header{SPIi: spis[0], SPIr: spis[1], ExchangeType: wire.Informational},
				&wire.Delete{Protocol: wire.ProtocolIKE}),
			message(wire.Header{SPIi: spis[0], SPIr: spis[1], ExchangeType: wire.Informational, Flags: wire.FlagResponse, MessageID: 77},
				wire.NewNotify(wire.AuthenticationFailed, nil)),
			message(wire.Header{SPIi: spis[0], SPIr: spis[1] ^ 1, ExchangeType: wire.Informational},
				&wire.Delete{Protocol: wire.ProtocolIKE}),
			append(make([]byte, 4), "not IKE at all"...),
		} {
			p.net.Spoof(ce.Remote, ce.Local, b)
		}
		synctest.Wait()
		dr := p.cli.d.Drops()
		if dr.Unauthenticated != 1 || dr.Unexpected != 1 || dr.NoSA != 1 || dr.Unparsable != 1 {
			t.Errorf("drops %+v, want one each of unauthenticated, unexpected, no SA and unparsable", dr)
		}
		p.cli.d.RekeyIKE()
		next[*ike.IKERekeyed](t, p.cli)
	})
}
