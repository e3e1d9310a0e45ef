package ike_test

import (
	"errors"
	"net/netip"
	"testing"
	"testing/synctest"
	"time"

	"github.com/espressovpn/espresso/ipsec/ike"
	"github.com/espressovpn/espresso/ipsec/ike/iketest"
	"github.com/espressovpn/espresso/ipsec/ike/wire"
	"github.com/espressovpn/espresso/ipsec/suite"
)

func proposals(t testing.TB, esp bool, ss ...string) []suite.Proposal {
	t.Helper()
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

// TestSuites negotiates every key exchange method and every IKE and ESP
// cipher suite, and checks each pair of SAs carries traffic.
func TestSuites(t *testing.T) {
	for _, tc := range []struct{ ike, esp string }{
		{"aes256gcm16-prfsha384-x25519", "aes256gcm16-esn"},
		{"aes128gcm16-prfsha256-ecp256", "aes128gcm16"},
		{"aes256gcm16-prfsha512-ecp384", "chacha20poly1305"},
		{"chacha20poly1305-prfsha256-modp2048", "aes128-sha256"},
		{"aes128-sha256-modp3072", "aes256-sha384-esn"},
		{"aes256-sha512-x25519", "aes256-sha512"},
	} {
		t.Run(tc.ike+"/"+tc.esp, func(t *testing.T) {
			cli, gw := pskConfigs(t)
			cli.IKEProposals = proposals(t, false, tc.ike)
			cli.ESPProposals = proposals(t, true, tc.esp)
			p := &pair{cliCfg: cli, gwCfg: gw, withEngine: true}
			p.start(t)
			ce := next[*ike.Established](t, p.cli)
			next[*ike.Established](t, p.gw)
			want, _ := suite.ParseProposal(tc.ike, false)
			if ce.IKEProposal != want.String() {
				t.Fatalf("IKE proposal %s, want %s", ce.IKEProposal, want)
			}
			p.cli.engine.dev.Inject(udp4(ce.VirtualIPs[0], lanHost, 7, 200))
			if got := <-p.gw.engine.dev.Received(); seqOf(got) != 7 {
				t.Fatalf("wrong packet through %s", ce.ESPProposal)
			}
			p.gw.engine.dev.Inject(udp4(lanHost, ce.VirtualIPs[0], 8, 1200))
			if got := <-p.cli.engine.dev.Received(); seqOf(got) != 8 {
				t.Fatalf("wrong packet back through %s", ce.ESPProposal)
			}
		})
	}
}

// TestInvalidKEAndCookie: the gateway wants a cookie and another group than
// the client's first; the client retries with both (RFC 7296 §1.3, §2.6).
func TestInvalidKEAndCookie(t *testing.T) {
	cli, gw := pskConfigs(t)
	cli.IKEProposals = proposals(t, false, "aes256gcm16-prfsha256-x25519-ecp384")
	gw.IKEProposals = proposals(t, false, "aes256gcm16-prfsha256-ecp384")
	gw.RequireCookie = true
	n := iketest.NewNetwork()
	var inits, cookies, invalidKE int
	n.SetFilter(func(from, to netip.AddrPort, b []byte) bool {
		m, err := wire.ParseMessage(b)
		if err != nil || m.Header.ExchangeType != wire.IKESAInit {
			return true
		}
		if !m.Header.IsResponse() {
			inits++
		} else if m.Payloads.Notify(wire.Cookie) != nil {
			cookies++
		} else if m.Payloads.Notify(wire.InvalidKEPayload) != nil {
			invalidKE++
		}
		return true
	})
	p := &pair{cliCfg: cli, gwCfg: gw, net: n}
	p.start(t)
	ce := next[*ike.Established](t, p.cli)
	if ce.IKEProposal != "aes256gcm16-prfsha256-ecp384" || cookies == 0 || invalidKE != 1 || inits < 3 {
		t.Fatalf("proposal %s after %d requests, %d cookies, %d INVALID_KE_PAYLOAD", ce.IKEProposal, inits, cookies, invalidKE)
	}
}

func TestFailures(t *testing.T) {
	t.Run("psk mismatch", func(t *testing.T) {
		cli, gw := pskConfigs(t)
		gw.PSK = []byte("a-different-secret-entirely")
		p := &pair{cliCfg: cli, gwCfg: gw}
		p.start(t)
		// We sent IDr, so the refusal may as well be about the
		// gateway's identity as about the key: both identities are named.
		var ir *ike.IdentitiesRejectedError
		if err := next[*ike.Down](t, p.cli).Err; !errors.As(err, &ir) || !errors.Is(err, ike.ErrAuthFailed) ||
			!errors.Is(err, ike.ErrIdentitiesRejected) || ir.Local != "client@example.test" || ir.Remote != "gw.example.test" {
			t.Fatalf("client: %v", err)
		}
		var ae *ike.AuthError
		if err := next[*ike.Down](t, p.gw).Err; !errors.As(err, &ae) || ae.Local {
			t.Fatalf("gateway: %v", err)
		}
	})
	t.Run("psk mismatch without IDr", func(t *testing.T) {
		cli, gw := pskConfigs(t)
		cli.RemoteID = wire.Identity{}
		gw.PSK = []byte("a-different-secret-entirely")
		p := &pair{cliCfg: cli, gwCfg: gw}
		p.start(t)
		var ae *ike.AuthError
		if err := next[*ike.Down](t, p.cli).Err; !errors.As(err, &ae) || !ae.Local || errors.Is(err, ike.ErrIdentitiesRejected) {
			t.Fatalf("client: %v", err)
		}
	})
	t.Run("no ike proposal", func(t *testing.T) {
		// The refusal is unauthenticated: the client fails only once its
		// retransmissions run out (TestRefusalFailsAfterRetransmissions).
		synctest.Test(t, func(t *testing.T) {
			cli, gw := pskConfigs(t)
			cli.IKEProposals = proposals(t, false, "aes128-sha256-modp2048")
			gw.IKEProposals = proposals(t, false, "aes256gcm16-prfsha384-x25519")
			cli.SetupTimeout = 10 * time.Second
			p := &pair{cliCfg: cli, gwCfg: gw, sysClock: true}
			p.start(t)
			var np *ike.NoProposalError
			if err := next[*ike.Down](t, p.cli).Err; !errors.As(err, &np) || np.Child {
				t.Fatalf("client: %v", err)
			}
		})
	})
	t.Run("no esp proposal", func(t *testing.T) {
		cli, gw := pskConfigs(t)
		cli.ESPProposals = proposals(t, true, "aes128-sha256")
		gw.ESPProposals = proposals(t, true, "aes256gcm16")
		p := &pair{cliCfg: cli, gwCfg: gw}
		p.start(t)
		var np *ike.NoProposalError
		if err := next[*ike.Down](t, p.cli).Err; !errors.As(err, &np) || !np.Child {
			t.Fatalf("client: %v", err)
		}
	})
	t.Run("ts unacceptable", func(t *testing.T) {
		cli, gw := pskConfigs(t)
		cli.RemoteTS = []netip.Prefix{netip.MustParsePrefix("198.51.100.0/24")}
		p := &pair{cliCfg: cli, gwCfg: gw}
		p.start(t)
		if err := next[*ike.Down](t, p.cli).Err; !errors.Is(err, ike.ErrTSUnacceptable) {
			t.Fatalf("client: %v", err)
		}
	})
}

// TestNarrowing: the client asks for everything, the gateway grants two of
// its subnets, and the client's SA covers just those.
func TestNarrowing(t *testing.T) {
	cli, gw := pskConfigs(t)
	cli.RemoteTS = []netip.Prefix{netip.MustParsePrefix("0.0.0.0/0")}
	gw.LocalTS = []netip.Prefix{lan, netip.MustParsePrefix("198.51.100.0/25")}
	p := &pair{cliCfg: cli, gwCfg: gw}
	p.start(t)
	ce := next[*ike.Established](t, p.cli)
	if len(ce.Child.RemoteTS) != 2 || ce.Child.RemoteTS[0] != lan || ce.Child.RemoteTS[1] != gw.LocalTS[1] {
		t.Fatalf("remote selectors %v", ce.Child.RemoteTS)
	}
}
