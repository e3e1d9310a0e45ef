package session

import (
	"bytes"
	"encoding/binary"
	"errors"
	"net/netip"
	"slices"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/espressovpn/espresso/helper/api"
	"github.com/espressovpn/espresso/ipsec/ike"
	"github.com/espressovpn/espresso/ipsec/socket"
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
		// The virtual IP stays, for the next negotiation to ask for again.
		if c := n.Installed()["work"]; !slices.Equal(c.VirtualIPs, []netip.Prefix{netip.PrefixFrom(vip, 32)}) || len(c.RemoteSelectors) != 1 || len(c.DNS.Servers) != 0 {
			t.Errorf("after the IKE SA ended: %+v, want the routes and the last virtual IP without DNS", c)
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
				if !slices.Equal(f2.cfg.RequestVirtualIPs, []netip.Addr{vip}) {
					t.Errorf("the second negotiation asked for %v, want the last virtual IP %v", f2.cfg.RequestVirtualIPs, vip)
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

// memoryBook is an AddressBook in memory.
type memoryBook struct {
	mu sync.Mutex
	m  map[string][]netip.Addr
}

func (b *memoryBook) Last(profile, gateway string) []netip.Addr {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.m[profile+"@"+gateway]
}

func (b *memoryBook) Remember(profile, gateway string, vips []netip.Addr) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.m[profile+"@"+gateway] = vips
	return nil
}

// checksummed fills in the IPv4 header and UDP checksums of an
// ipv4UDP packet (RFC 1071), so that a translation can be checked.
func checksummed(p []byte) []byte {
	binary.BigEndian.PutUint16(p[10:], 0)
	binary.BigEndian.PutUint16(p[26:], 0)
	binary.BigEndian.PutUint16(p[10:], ^onesSum(0, p[:20]))
	binary.BigEndian.PutUint16(p[26:], ^udpSum(p))
	return p
}

func onesSum(acc uint32, b []byte) uint16 {
	for i := 0; i+1 < len(b); i += 2 {
		acc += uint32(binary.BigEndian.Uint16(b[i:]))
	}
	if len(b)%2 == 1 {
		acc += uint32(b[len(b)-1]) << 8
	}
	for acc>>16 != 0 {
		acc = acc&0xffff + acc>>16
	}
	return uint16(acc)
}

func udpSum(p []byte) uint16 {
	acc := uint32(17 + len(p) - 20)
	for i := 12; i < 20; i += 2 {
		acc += uint32(binary.BigEndian.Uint16(p[i:]))
	}
	return onesSum(acc, p[20:])
}

// checkUDP fails unless p verifies (IPv4 header and UDP checksums) and
// goes from src to dst.
func checkUDP(t *testing.T, p []byte, src, dst netip.Addr, what string) {
	t.Helper()
	if onesSum(0, p[:20]) != 0xffff || udpSum(p) != 0xffff {
		t.Errorf("%s: checksums do not verify", what)
	}
	if s, d := netip.AddrFrom4([4]byte(p[12:16])), netip.AddrFrom4([4]byte(p[16:20])); s != src || d != dst {
		t.Errorf("%s: %v → %v, want %v → %v", what, s, d, src, dst)
	}
}

// TestOnDemandFirstConnection: with no virtual IP remembered, the first
// packet leaves the system from the physical address; the gateway gets
// it from the virtual IP it assigned, the answer comes back to the
// physical address, and the virtual IP is remembered for the next time.
func TestOnDemandFirstConnection(t *testing.T) {
	n := newTestNet()
	neg := newFakeNegotiator(func(f *fakeNegotiation) { f.establish(t, []netip.Prefix{lanV4}) })
	book := &memoryBook{m: map[string][]netip.Addr{}}
	d := NewConnector(n, Options{Negotiator: neg, Workers: 2, Addresses: book})
	cs, err := d.Dial(t.Context(), attempt(t, onDemandProfile()))
	if err != nil {
		t.Fatal(err)
	}
	s := cs.(*Session)
	defer s.Close()
	if c := n.Installed()["work"]; len(c.VirtualIPs) != 0 {
		t.Fatalf("virtual IPs %v on the device with none remembered", c.VirtualIPs)
	}

	n.device(t).Inject(checksummed(ipv4UDP(cliAddr, lanHost, "first")))
	f := neg.next(t)
	if len(f.cfg.RequestVirtualIPs) != 0 {
		t.Errorf("asked for %v with none remembered", f.cfg.RequestVirtualIPs)
	}
	sent := recv(t, n.natt(t).Sent(), "the held packet")
	checkUDP(t, f.open(t, sent.Buf), vip, lanHost, "the held packet at the gateway")

	reply := ipv4UDP(lanHost, vip, "answer")
	binary.BigEndian.PutUint16(reply[20:], 53)
	binary.BigEndian.PutUint16(reply[22:], 40000)
	n.natt(t).Deliver(socket.Datagram{Buf: f.seal(t, checksummed(reply)), Addr: gwNATT})
	checkUDP(t, recv(t, n.device(t).Written(), "the answer"), lanHost, cliAddr, "the answer on the device")

	waitFor(t, "the virtual IP remembered", func() bool {
		return slices.Equal(book.Last("work", gwAddr.String()), []netip.Addr{vip})
	})
}

// TestOnDemandRemembered: a remembered virtual IP is on the device while
// the trap waits and is asked for again; when the gateway assigns another
// one, the remembered address stays on the device after it for the flows
// opened from it, whose packets the gateway gets from the new address,
// and goes when the IKE SA ends.
func TestOnDemandRemembered(t *testing.T) {
	n := newTestNet()
	neg := newFakeNegotiator(func(f *fakeNegotiation) { f.establish(t, []netip.Prefix{lanV4}) })
	old := netip.MustParseAddr("198.18.0.9")
	book := &memoryBook{m: map[string][]netip.Addr{"work@" + gwAddr.String(): {old}}}
	d := NewConnector(n, Options{Negotiator: neg, Workers: 2, Addresses: book})
	cs, err := d.Dial(t.Context(), attempt(t, onDemandProfile()))
	if err != nil {
		t.Fatal(err)
	}
	s := cs.(*Session)
	defer s.Close()
	pfx := func(a ...netip.Addr) []netip.Prefix {
		var out []netip.Prefix
		for _, x := range a {
			out = append(out, netip.PrefixFrom(x, 32))
		}
		return out
	}
	if c := n.Installed()["work"]; !slices.Equal(c.VirtualIPs, pfx(old)) {
		t.Fatalf("virtual IPs %v while the trap waits, want the remembered %v", c.VirtualIPs, old)
	}

	n.device(t).Inject(checksummed(ipv4UDP(old, lanHost, "first")))
	f := neg.next(t)
	if !slices.Equal(f.cfg.RequestVirtualIPs, []netip.Addr{old}) {
		t.Errorf("asked for %v, want %v", f.cfg.RequestVirtualIPs, old)
	}
	sent := recv(t, n.natt(t).Sent(), "the held packet")
	checkUDP(t, f.open(t, sent.Buf), vip, lanHost, "the held packet at the gateway")
	waitFor(t, "the established state", func() bool { return !s.Info().EstablishedAt.IsZero() })
	if c := n.Installed()["work"]; !slices.Equal(c.VirtualIPs, pfx(vip, old)) {
		t.Errorf("virtual IPs %v once established, want the assigned %v, then %v", c.VirtualIPs, vip, old)
	}

	f.opts.OnEvent(&ike.Down{Err: errors.New("dead peer")})
	waitFor(t, "the trap again", func() bool { return s.Info().EstablishedAt.IsZero() })
	if c := n.Installed()["work"]; !slices.Equal(c.VirtualIPs, pfx(vip)) {
		t.Errorf("virtual IPs %v after the IKE SA, want the last assigned %v alone", c.VirtualIPs, vip)
	}
}
