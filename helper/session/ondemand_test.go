package session

import (
	"bytes"
	"errors"
	"net/netip"
	"slices"
	"testing"
	"testing/synctest"
	"time"

	"github.com/espressovpn/espresso/helper/api"
	"github.com/espressovpn/espresso/ipsec/ike"
)

func onDemandProfile() api.Profile {
	p := pskProfile()
	p.OnDemand, p.RemoteTS = true, []string{lanV4.String()}
	return p
}

// hostToHost establishes a Child SA for the client's own address, as a
// gateway that assigns no virtual IP does.
func hostToHost(t testing.TB) func(*fakeNegotiation) {
	return func(f *fakeNegotiation) {
		local := []netip.Prefix{netip.PrefixFrom(cliAddr, 32)}
		f.installChild(t, local, []netip.Prefix{lanV4})
		f.opts.OnEvent(&ike.Established{IKEProposal: "aes256gcm16-prfsha384-x25519", ESPProposal: "aes256gcm16",
			Child: ike.ChildInfo{Encap: true, LocalTS: local, RemoteTS: []netip.Prefix{lanV4}}})
	}
}

// TestOnDemandFirstPacketNegotiates: Dial puts the routes in and returns
// without negotiating; the first packet into the tunnel starts the
// negotiation and is sent once the Child SA is up (RFC 4301 §4.4.1 trap).
func TestOnDemandFirstPacketNegotiates(t *testing.T) {
	n := newTestNet()
	neg := newFakeNegotiator(hostToHost(t))
	s, err := dial(t, n, neg, onDemandProfile())
	if err != nil {
		t.Fatal(err)
	}
	cfg := n.Installed()["work"]
	if !slices.Equal(cfg.RemoteSelectors, []netip.Prefix{lanV4}) || len(cfg.VirtualIPs) != 0 {
		t.Fatalf("before any packet: routes %v, virtual IPs %v", cfg.RemoteSelectors, cfg.VirtualIPs)
	}
	select {
	case <-neg.started:
		t.Fatal("negotiation started without traffic")
	default:
	}

	first := ipv4UDP(cliAddr, lanHost, "first")
	n.device(t).Inject(first)
	f := neg.next(t)
	d := recv(t, n.natt(t).Sent(), "the held packet")
	if got := f.open(t, d.Buf); !bytes.Equal(got, first) {
		t.Error("the held packet came out changed")
	}
	waitFor(t, "the established state", func() bool { return !s.Info().EstablishedAt.IsZero() })
}

// TestOnDemandRearms: when the IKE SA ends, the session keeps its routes,
// drops the virtual IP, and the next packet negotiates again; a failed
// negotiation waits RetryDelay first. The clock is synctest's.
func TestOnDemandRearms(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		n := newTestNet()
		neg := newFakeNegotiator(func(f *fakeNegotiation) { f.establish(t, []netip.Prefix{lanV4}) })
		const delay = 5 * time.Second
		d := NewConnector(n, Options{Negotiator: neg, RetryDelay: delay, Workers: 1})
		cs, err := d.Dial(t.Context(), attempt(t, onDemandProfile()))
		if err != nil {
			t.Fatal(err)
		}
		s := cs.(*Session)
		defer s.Close()
		dev := n.device(t)

		dev.Inject(ipv4UDP(cliAddr, lanHost, "wake"))
		f := neg.next(t)
		synctest.Wait()
		if len(n.Installed()["work"].VirtualIPs) != 1 {
			t.Fatalf("no virtual IP after the negotiation: %+v", n.Installed()["work"])
		}

		f.opts.OnEvent(&ike.Down{Err: errors.New("dead peer")})
		failed := time.Now()
		synctest.Wait()
		if c := n.Installed()["work"]; len(c.VirtualIPs) != 0 || len(c.RemoteSelectors) != 1 {
			t.Errorf("after the IKE SA ended: %+v, want the routes without the virtual IP", c)
		}
		if !f.isClosed() {
			t.Error("the ended negotiation was not closed")
		}
		select {
		case <-s.Done():
			t.Fatal("an on-demand session ended with its IKE SA")
		default:
		}
		if info := s.Info(); !info.EstablishedAt.IsZero() || info.Peer.Addr() != gwAddr {
			t.Errorf("info %+v: want the ended IKE SA gone, the gateway's address kept for the kill switch", info)
		}

		// Within the retry delay traffic does not negotiate; after it, it does.
		for {
			dev.Inject(ipv4UDP(cliAddr, lanHost, "again"))
			synctest.Wait()
			select {
			case f2 := <-neg.started:
				if waited := time.Since(failed); waited < delay {
					t.Errorf("negotiated again after %v, before the retry delay of %v", waited, delay)
				}
				synctest.Wait()
				if c := n.Installed()["work"]; len(c.VirtualIPs) != 1 || f2 == f {
					t.Errorf("second negotiation left %+v", c)
				}
				s.Close()
				if len(n.Installed()) != 0 {
					t.Errorf("installed %v after Close", n.Installed())
				}
				return
			default:
			}
			if time.Since(failed) > 2*delay {
				t.Fatal("traffic never started a second negotiation")
			}
			time.Sleep(time.Second)
		}
	})
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); !cond(); {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}
