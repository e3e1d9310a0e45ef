package ike_test

import (
	"net/netip"
	"sync"
	"testing"

	"github.com/espressovpn/espresso/ipsec/ike"
	"github.com/espressovpn/espresso/ipsec/ike/iketest"
	"github.com/espressovpn/espresso/ipsec/ike/wire"
)

// exchangeLog records the exchange types of the messages on a network.
type exchangeLog struct {
	mu   sync.Mutex
	reqs []wire.ExchangeType
	// largest is the largest protected IKE datagram seen.
	largest int
}

func (l *exchangeLog) filter(_, to netip.AddrPort, b []byte) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if to.Port() == 4500 {
		// RFC 3948 §2.2: IKE behind the non-ESP marker; ESP has none.
		if len(b) < 4 || b[0]|b[1]|b[2]|b[3] != 0 {
			return true
		}
		b = b[4:]
	}
	h, err := wire.ParseHeader(b)
	if err != nil {
		return true
	}
	if h.ExchangeType != wire.IKESAInit {
		l.largest = max(l.largest, len(b))
	}
	if !h.IsResponse() {
		l.reqs = append(l.reqs, h.ExchangeType)
	}
	return true
}

func (l *exchangeLog) count(ex wire.ExchangeType) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	n := 0
	for _, e := range l.reqs {
		if e == ex {
			n++
		}
	}
	return n
}

// Hybrid key exchanges between Espresso's initiator and responder: the
// first exchange in IKE_SA_INIT, each additional one in an
// IKE_INTERMEDIATE exchange (RFC 9370 §2.2.2), whose messages the AUTH
// payloads cover (RFC 9242 §3.3.2); a proposal without additional
// exchanges skips IKE_INTERMEDIATE. Traffic passes after each.
func TestHybridKeyExchanges(t *testing.T) {
	for _, tc := range []struct {
		name, ike    string
		intermediate int
		kes          string
		cert         bool
	}{
		{"x25519+mlkem768", "aes256gcm16-prfsha384-x25519-ke1_mlkem768", 1, "x25519 + ML-KEM-768", false},
		{"ecp384+mlkem1024", "aes256gcm16-prfsha384-ecp384-ke1_mlkem1024", 1, "ecp384 + ML-KEM-1024", false},
		{"mlkem768 alone", "aes256gcm16-prfsha384-mlkem768", 0, "ML-KEM-768", false},
		{"mlkem1024 alone", "aes256gcm16-prfsha256-mlkem1024", 0, "ML-KEM-1024", false},
		{"three exchanges", "aes128-sha256-x25519-ke1_mlkem768-ke2_ecp256-ke3_mlkem1024", 3, "x25519 + ML-KEM-768 + ecp256 + ML-KEM-1024", false},
		{"x25519+mlkem768 with certificates", "aes256gcm16-prfsha384-x25519-ke1_mlkem768", 1, "x25519 + ML-KEM-768", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cli, gw := pskConfigs(t)
			if tc.cert {
				cli, gw = certConfigs(t, newPKI(t, "p256"), "p256")
			}
			cli.IKEProposals = proposals(t, false, tc.ike)
			gw.IKEProposals = proposals(t, false, tc.ike)
			n := iketest.NewNetwork()
			var log exchangeLog
			n.SetFilter(log.filter)
			p := &pair{cliCfg: cli, gwCfg: gw, net: n, engineOnNet: true}
			p.start(t)
			ce := next[*ike.Established](t, p.cli)
			ge := next[*ike.Established](t, p.gw)
			if ce.KeyExchanges != tc.kes || ge.KeyExchanges != tc.kes {
				t.Fatalf("key exchanges: client %q, gateway %q, want %q", ce.KeyExchanges, ge.KeyExchanges, tc.kes)
			}
			if got := log.count(wire.IKEIntermediate); got < tc.intermediate || (tc.intermediate == 0 && got != 0) {
				t.Fatalf("%d IKE_INTERMEDIATE requests, want %d", got, tc.intermediate)
			}
			// RFC 7383: ML-KEM key shares do not fit one datagram of
			// the fragment size; they go in fragments.
			if log.largest > ike.DefaultFragmentSize {
				t.Fatalf("a protected IKE datagram of %d bytes", log.largest)
			}
			trafficBothWays(t, p, ce.VirtualIPs[0], 1)
		})
	}
}

// trafficBothWays sends a packet each way through the current Child SA.
func trafficBothWays(t *testing.T, p *pair, vip netip.Addr, seq uint32) {
	t.Helper()
	p.cli.engine.dev.Inject(udp4(vip, lanHost, seq, 200))
	if got := <-p.gw.engine.dev.Received(); seqOf(got) != seq {
		t.Fatalf("packet %d: got %d at the gateway", seq, seqOf(got))
	}
	p.gw.engine.dev.Inject(udp4(lanHost, vip, seq+1, 1200))
	if got := <-p.cli.engine.dev.Received(); seqOf(got) != seq+1 {
		t.Fatalf("packet %d: got %d at the client", seq+1, seqOf(got))
	}
}

// Rekeys of an IKE SA made with a hybrid exchange, started by either
// side: CREATE_CHILD_SA negotiates the additional key exchange too, run
// in an IKE_FOLLOWUP_KE exchange (RFC 9370 §2.2.4), for the IKE SA and
// for the Child SA with PFS; traffic passes after each.
func TestHybridRekeys(t *testing.T) {
	for _, tc := range []struct{ ike, esp, kes, espChosen string }{
		{"aes256gcm16-prfsha384-x25519-ke1_mlkem768", "aes256gcm16-x25519-ke1_mlkem768-ke1_none",
			"x25519 + ML-KEM-768", "aes256gcm16-x25519-ke1_mlkem768-noesn"},
		// Two additional exchanges: the second IKE_FOLLOWUP_KE carries
		// the token of the first one's response.
		{"aes256gcm16-prfsha384-x25519-ke1_mlkem768-ke2_mlkem1024", "aes256gcm16-ecp256-ke1_mlkem1024-ke2_mlkem768",
			"x25519 + ML-KEM-768 + ML-KEM-1024", "aes256gcm16-ecp256-ke1_mlkem1024-ke2_mlkem768-noesn"},
	} {
		t.Run(tc.kes, func(t *testing.T) { hybridRekeys(t, tc.ike, tc.esp, tc.kes, tc.espChosen) })
	}
}

func hybridRekeys(t *testing.T, ikeProp, espProp, kes, espChosen string) {
	cli, gw := pskConfigs(t)
	cli.IKEProposals = proposals(t, false, ikeProp)
	gw.IKEProposals = proposals(t, false, ikeProp+"-ke1_none")
	cli.ESPProposals = proposals(t, true, espProp)
	gw.ESPProposals = proposals(t, true, espProp)
	p := &pair{cliCfg: cli, gwCfg: gw, engineOnNet: true}
	p.start(t)
	ce := next[*ike.Established](t, p.cli)
	next[*ike.Established](t, p.gw)
	if ce.KeyExchanges != kes {
		t.Fatalf("key exchanges %q", ce.KeyExchanges)
	}
	vip := ce.VirtualIPs[0]
	trafficBothWays(t, p, vip, 10)
	for i, by := range []*peer{p.cli, p.gw} {
		other := p.gw
		if by == p.gw {
			other = p.cli
		}
		by.d.RekeyIKE()
		r := next[*ike.IKERekeyed](t, by)
		o := next[*ike.IKERekeyed](t, other)
		if r.KeyExchanges != kes || o.KeyExchanges != kes {
			t.Fatalf("IKE rekey %d: key exchanges %q and %q", i, r.KeyExchanges, o.KeyExchanges)
		}
		trafficBothWays(t, p, vip, uint32(20+10*i))
		by.d.RekeyChild()
		c := next[*ike.ChildRekeyed](t, by)
		next[*ike.ChildRekeyed](t, other)
		if c.New.ESPProposal != espChosen {
			t.Fatalf("Child rekey %d: %s", i, c.New.ESPProposal)
		}
		trafficBothWays(t, p, vip, uint32(25+10*i))
	}
}
