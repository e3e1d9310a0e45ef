package session

import (
	"bytes"
	"encoding/binary"
	"net/netip"
	"slices"
	"testing"
	"testing/synctest"

	"github.com/espressovpn/espresso/ipsec/esp"
	"github.com/espressovpn/espresso/ipsec/ike"
	"github.com/espressovpn/espresso/ipsec/socket"
	"github.com/espressovpn/espresso/platform"
	"github.com/espressovpn/espresso/platform/platformtest"
)

var (
	vip6     = netip.MustParseAddr("2001:db8:ffff::1")
	lanHost6 = netip.MustParseAddr("2001:db8:2::10")
	anyV6    = netip.MustParsePrefix("::/0")
)

// ipv6UDP builds an IPv6 UDP packet with a payload.
func ipv6UDP(src, dst netip.Addr, payload string) []byte {
	p := make([]byte, 48+len(payload))
	p[0] = 0x60
	binary.BigEndian.PutUint16(p[4:], uint16(8+len(payload)))
	p[6], p[7] = 17, 64
	s, d := src.As16(), dst.As16()
	copy(p[8:], s[:])
	copy(p[24:], d[:])
	binary.BigEndian.PutUint16(p[40:], 40000)
	binary.BigEndian.PutUint16(p[42:], 53)
	binary.BigEndian.PutUint16(p[44:], uint16(8+len(payload)))
	copy(p[48:], payload)
	return p
}

// gwOpen decrypts an ESP packet the client sent, of either family.
func (n *fakeNegotiation) gwOpen(t *testing.T, pkt []byte) []byte {
	t.Helper()
	inner, _, err := n.openAny(t, pkt)
	if err != nil {
		t.Fatal("the gateway cannot open the client's ESP packet")
	}
	return inner
}

// gwSeal encrypts an inner packet of either family as the gateway sends it.
func (n *fakeNegotiation) gwSeal(t *testing.T, inner []byte) []byte {
	t.Helper()
	next := byte(esp.NextIPv4)
	if inner[0]>>4 == 6 {
		next = esp.NextIPv6
	}
	return n.sealNext(t, inner, next)
}

// TestPerVIPDevices: where the platform keeps one TUN device per virtual
// IP (macOS, FreeBSD), a connection with an IPv4 and an IPv6 virtual IP
// carries traffic both ways through each of its two devices, the device
// without address that stood in before the virtual IPs were known is
// closed, and Close removes both. synctest.Test fails if a goroutine of
// the session outlives Close.
func TestPerVIPDevices(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		n := newTestNet()
		n.PerVIPDevices = true
		var bare []platform.Link
		neg := newFakeNegotiator(func(f *fakeNegotiation) {
			n.mu.Lock()
			tun := n.tunnels[0]
			n.mu.Unlock()
			bare = tun.Links()
			local := []netip.Prefix{vipNet, netip.PrefixFrom(vip6, 128)}
			remote := []netip.Prefix{anyV4, anyV6}
			f.installChild(t, local, remote)
			f.opts.OnEvent(&ike.Established{
				IKEProposal: "aes256gcm16-prfsha384-x25519", ESPProposal: "aes256gcm16",
				VirtualIPs: []netip.Addr{vip, vip6}, Child: ike.ChildInfo{Encap: true, LocalTS: local, RemoteTS: remote},
			})
		})
		s, err := dial(t, n, neg, pskProfile())
		if err != nil {
			t.Fatal(err)
		}
		f := neg.next(t)
		if len(bare) != 1 || len(bare[0].Addrs) != 0 || !bare[0].Device.(*platformtest.Device).Closed() {
			t.Errorf("before the virtual IPs: links %+v; want one device without address, closed once they came", bare)
		}

		n.mu.Lock()
		links := n.tunnels[0].Links()
		n.mu.Unlock()
		if len(links) != 2 {
			t.Fatalf("%d devices, want one per virtual IP", len(links))
		}
		devs := map[netip.Addr]*platformtest.Device{}
		for _, l := range links {
			if len(l.Addrs) != 1 {
				t.Fatalf("device %s holds %v, want one virtual IP", l.Name, l.Addrs)
			}
			devs[l.Addrs[0].Addr()] = l.Device.(*platformtest.Device)
		}
		natt := n.natt(t)
		for _, tc := range []struct {
			vip, host netip.Addr
			build     func(src, dst netip.Addr, payload string) []byte
		}{{vip, lanHost, ipv4UDP}, {vip6, lanHost6, ipv6UDP}} {
			dev := devs[tc.vip]
			if dev == nil {
				t.Fatalf("no device holds %v", tc.vip)
			}
			out := tc.build(tc.vip, tc.host, "query")
			dev.Inject(out)
			d := recv(t, natt.Sent(), "an ESP packet")
			if got := f.gwOpen(t, d.Buf); !bytes.Equal(got, out) {
				t.Errorf("%v: the gateway decrypted something else than the packet sent", tc.vip)
			}
			in := tc.build(tc.host, tc.vip, "answer")
			natt.Deliver(socket.Datagram{Buf: f.gwSeal(t, in), Addr: gwNATT})
			if got := recv(t, dev.Written(), "a decrypted packet"); !bytes.Equal(got, in) {
				t.Errorf("%v: the device got something else than the packet the gateway sealed", tc.vip)
			}
			synctest.Wait()
			for a, other := range devs {
				if a != tc.vip && len(other.Written()) != 0 {
					t.Errorf("the packet for %v also reached the device of %v", tc.vip, a)
				}
			}
		}
		if c := s.Counters(); c.PacketsIn != 2 || c.PacketsOut != 2 {
			t.Errorf("counters %+v, want two packets each way", c)
		}
		f.mu.Lock()
		c := f.child
		f.mu.Unlock()
		if in, out, ok := f.opts.DataPath.(ike.TrafficCounter).Traffic(c); !ok || in != 2 || out != 2 {
			t.Errorf("the Child SA's traffic: %d in, %d out (held %v), want two packets each way", in, out, ok)
		}

		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
		for a, d := range devs {
			if !d.Closed() {
				t.Errorf("the device of %v is still open after Close", a)
			}
		}
		if len(n.Installed()) != 0 {
			t.Errorf("the system still holds %v after Close", n.Installed())
		}
		if k := n.Kinds(); !slices.Contains(k, platformtest.OpClose) {
			t.Errorf("operations %v: the tunnel was not closed", k)
		}
	})
}
