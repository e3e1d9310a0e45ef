package ike_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/espressovpn/espresso/ipsec/ike"
	"github.com/espressovpn/espresso/ipsec/ike/wire"
)

// A client with the default ESP proposals rekeys its Child SA, and accepts
// the gateway's rekeys, whatever the gateway's PFS policy: none, optional
// (NONE in its list, with or without a KE payload first) or required. The
// negotiated proposal shows the method chosen: the client's preferred one
// among the gateway's, NONE only when the gateway has no method in common.
func TestDefaultProposalsRekeyWithAnyPFSPolicy(t *testing.T) {
	for _, tc := range []struct {
		name, cliESP, gwESP string
		// byClient and byGateway are the Child SA's proposal after a
		// rekey started by the client and by the gateway.
		byClient, byGateway string
	}{
		{"no PFS", "", "aes256gcm16", "aes256gcm16-noesn", "aes256gcm16-noesn"},
		{"optional PFS", "", "aes128gcm16-x25519-ecp256-modp2048-modpnone",
			"aes128gcm16-x25519-noesn", "aes128gcm16-x25519-noesn"},
		// The gateway prefers NONE: it chooses it from the client's list
		// and answers without a KE payload; its own rekey carries none,
		// and the client, preferring x25519, asks for it with
		// INVALID_KE_PAYLOAD. Each responder's preference decides, as
		// strongSwan's prefer_configured_proposals does.
		{"optional PFS, gateway prefers none", "", "aes128gcm16-modpnone-x25519",
			"aes128gcm16-noesn", "aes128gcm16-x25519-noesn"},
		{"required PFS", "", "aes256gcm16-ecp384", "aes256gcm16-ecp384-noesn", "aes256gcm16-ecp384-noesn"},
		// The case of the report: a client without PFS takes the NONE
		// a gateway with optional PFS offers beside its KE payload.
		{"client without PFS, optional PFS", "aes128gcm16", "aes128gcm16-x25519-ecp256-modp2048-modpnone",
			"aes128gcm16-noesn", "aes128gcm16-noesn"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cli, gw := pskConfigs(t)
			if tc.cliESP != "" {
				cli.ESPProposals = proposals(t, true, tc.cliESP)
			}
			gw.ESPProposals = proposals(t, true, tc.gwESP)
			p := &pair{cliCfg: cli, gwCfg: gw}
			p.start(t)
			est := next[*ike.Established](t, p.cli)
			next[*ike.Established](t, p.gw)
			// IKE_AUTH carries no key exchange (RFC 7296 §1.2).
			if want := firstWithoutKE(tc.byGateway); est.ESPProposal != want {
				t.Fatalf("IKE_AUTH negotiated %s, want %s", est.ESPProposal, want)
			}

			p.cli.d.RekeyChild()
			r := next[*ike.ChildRekeyed](t, p.cli)
			g := next[*ike.ChildRekeyed](t, p.gw)
			if r.New.ESPProposal != tc.byClient || g.New.ESPProposal != tc.byClient {
				t.Fatalf("client's rekey: client %s, gateway %s, want %s", r.New.ESPProposal, g.New.ESPProposal, tc.byClient)
			}
			p.gw.d.RekeyChild()
			g = next[*ike.ChildRekeyed](t, p.gw)
			r = next[*ike.ChildRekeyed](t, p.cli)
			if r.New.ESPProposal != tc.byGateway || g.New.ESPProposal != tc.byGateway {
				t.Fatalf("gateway's rekey: client %s, gateway %s, want %s", r.New.ESPProposal, g.New.ESPProposal, tc.byGateway)
			}
			if r.New.InSPI != g.New.OutSPI || r.New.OutSPI != g.New.InSPI {
				t.Fatalf("the ends hold different Child SAs: client %08x/%08x, gateway %08x/%08x",
					r.New.InSPI, r.New.OutSPI, g.New.InSPI, g.New.OutSPI)
			}
			noEvent[*ike.ChildRekeyFailed](t, p.cli)
			noEvent[*ike.ChildRekeyFailed](t, p.gw)
		})
	}
}

// firstWithoutKE is the proposal of the first Child SA for a rekeyed one:
// the same without its key exchange method.
func firstWithoutKE(s string) string {
	for _, ke := range []string{"-x25519", "-ecp384"} {
		if i := len(s) - len(ke) - len("-noesn"); i > 0 && s[i:i+len(ke)] == ke {
			return s[:i] + s[i+len(ke):]
		}
	}
	return s
}

// A rekey the gateway refuses keeps the old Child SA: the client reports
// the refusal with the gateway's notify, does not go down, and tries again
// after a back-off that doubles. The gateway, which refused, reports its
// side too.
func TestRefusedChildRekeyKeepsSAAndRetries(t *testing.T) {
	cli, gw := pskConfigs(t)
	// PFS required on the client, refused by the gateway: the Child SA of
	// IKE_AUTH (no key exchange) works, no rekey can.
	cli.ESPProposals = proposals(t, true, "aes256gcm16-x25519")
	gw.ESPProposals = proposals(t, true, "aes256gcm16")
	p := &pair{cliCfg: cli, gwCfg: gw}
	p.start(t)
	est := next[*ike.Established](t, p.cli)
	next[*ike.Established](t, p.gw)

	p.cli.d.RekeyChild()
	var retries []time.Duration
	for len(retries) < 3 {
		f := next[*ike.ChildRekeyFailed](t, p.cli)
		var re *ike.RekeyError
		if !errors.As(f.Err, &re) || re.ByPeer || re.Notify != wire.NoProposalChosen || !errors.Is(f.Err, ike.ErrRekeyFailed) {
			t.Fatalf("client reported %v, want the gateway's NO_PROPOSAL_CHOSEN", f.Err)
		}
		if errors.Is(f.Err, ike.ErrNoProposalChosen) {
			t.Fatalf("%v matches ErrNoProposalChosen, which would read as a failed connect", f.Err)
		}
		if f.Child.InSPI != est.Child.InSPI {
			t.Fatalf("failed rekey of %08x, want the first SA %08x", f.Child.InSPI, est.Child.InSPI)
		}
		gf := next[*ike.ChildRekeyFailed](t, p.gw)
		if !errors.As(gf.Err, &re) || !re.ByPeer || re.Notify != wire.NoProposalChosen {
			t.Fatalf("gateway reported %v, want its refusal of the client's rekey", gf.Err)
		}
		retries = append(retries, f.Retry)
		// Nothing happens before the back-off is over.
		p.clock.Advance(f.Retry - time.Millisecond)
		noEvent[*ike.ChildRekeyFailed](t, p.cli)
		p.clock.Advance(time.Millisecond)
	}
	base := ike.DefaultRetransmitTimeout
	if retries[0] != base || retries[1] != 2*base || retries[2] != 4*base {
		t.Fatalf("retries after %v, want %v, %v, %v", retries, base, 2*base, 4*base)
	}
	noEvent[*ike.Down](t, p.cli)
	noEvent[*ike.ChildDown](t, p.cli)

	// The old SA is used until it expires; the connection then ends
	// naming the failed rekey as the cause.
	p.cli.d.Expire(ike.Expiry{SPI: est.Child.InSPI, Hard: true})
	err := next[*ike.Down](t, p.cli).Err
	if !errors.Is(err, ike.ErrChildExpired) || !errors.Is(err, ike.ErrRekeyFailed) || !strings.Contains(err.Error(), "NO_PROPOSAL_CHOSEN") {
		t.Fatalf("down with %v, want the expiry after the refused rekey", err)
	}
}
