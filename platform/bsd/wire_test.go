package bsd

import (
	"bytes"
	"encoding/hex"
	"errors"
	"net/netip"
	"syscall"
	"testing"
)

func pfx(s string) netip.Prefix { return netip.MustParsePrefix(s) }
func ip(s string) netip.Addr    { return netip.MustParseAddr(s) }

func layoutFor(g goldenOS) Layout {
	if g.darwin {
		return Darwin
	}
	return FreeBSD
}

func eachOS(t *testing.T, f func(t *testing.T, g goldenOS, l Layout)) {
	for _, g := range []goldenOS{goldenDarwin, goldenFreeBSD} {
		t.Run(g.name, func(t *testing.T) { f(t, g, layoutFor(g)) })
	}
}

func sameBytes(t *testing.T, what string, got, want []byte) {
	t.Helper()
	if !bytes.Equal(got, want) {
		t.Errorf("%s:\n got %s\nwant %s", what, hex.EncodeToString(got), hex.EncodeToString(want))
	}
}

// The ioctl numbers must be the ones in the system headers, and their
// length field the size of the structs the golden mirrors describe.
func TestIoctlNumbers(t *testing.T) {
	cases := []struct {
		name      string
		got, want uint
		size      int
	}{
		{"darwin SIOCAIFADDR", Darwin.addrIoctl(), 0x8040691a, len(structBytes(darwinIfAliasreq{}))},
		{"darwin SIOCAIFADDR_IN6", Darwin.addr6Ioctl(), 0x8080691a, len(structBytes(darwinIn6Aliasreq{}))},
		{"freebsd SIOCAIFADDR", FreeBSD.addrIoctl(), 0x8044692b, len(structBytes(freebsdIfAliasreq{}))},
		{"freebsd SIOCAIFADDR_IN6", FreeBSD.addr6Ioctl(), 0x8088691b, len(structBytes(freebsdIn6Aliasreq{}))},
		{"SIOCSIFMTU", mtuIoctl(), 0x80206934, ifreqLen},
	}
	for _, c := range cases {
		if c.got != c.want {
			t.Errorf("%s = %#x, want %#x", c.name, c.got, c.want)
		}
		if n := int(c.want>>16) & iocParmMask; n != c.size {
			t.Errorf("%s encodes %d bytes, struct has %d", c.name, n, c.size)
		}
	}
	if n := len(structBytes(darwinRtMsghdr{})); n != Darwin.RtMsghdrLen {
		t.Errorf("darwin rt_msghdr %d bytes, layout says %d", n, Darwin.RtMsghdrLen)
	}
	if n := len(structBytes(freebsdRtMsghdr{})); n != FreeBSD.RtMsghdrLen {
		t.Errorf("freebsd rt_msghdr %d bytes, layout says %d", n, FreeBSD.RtMsghdrLen)
	}
}

func TestRouteMessages(t *testing.T) {
	const pid, seq = 4242, 7
	eachOS(t, func(t *testing.T, g goldenOS, l Layout) {
		idx := int(g.ifindex)
		cases := []struct {
			name string
			r    routeSpec
			want []byte
		}{
			{
				"IPv4 selector through the tun device",
				routeSpec{Dst: pfx("198.51.100.0/24"), Dev: g.ifname, Index: idx},
				g.rtmsg(rtmAdd, 0x801, 0x7, pid, seq, g.inSA("198.51.100.0"), g.dlSA(g.ifindex, g.ifname), g.inSA("255.255.255.0")),
			},
			{
				"upper half of ::/0 through the tun device",
				routeSpec{Dst: pfx("8000::/1"), Dev: g.ifname, Index: idx},
				g.rtmsg(rtmAdd, 0x801, 0x7, pid, seq, g.in6SA("8000::"), g.dlSA(g.ifindex, g.ifname), g.in6SA("8000::")),
			},
			{
				"IPv6 selector /48",
				routeSpec{Dst: pfx("2001:db8:5::/48"), Dev: g.ifname, Index: idx},
				g.rtmsg(rtmAdd, 0x801, 0x7, pid, seq, g.in6SA("2001:db8:5::"), g.dlSA(g.ifindex, g.ifname), g.in6SA("ffff:ffff:ffff::")),
			},
			{
				"peer exclusion via the original IPv4 gateway",
				routeSpec{Dst: pfx("203.0.113.7/32"), Dev: "en0", Index: 4, Gateway: ip("192.0.2.1"), Exclusion: true},
				g.rtmsg(rtmAdd, 0x807, 0x3, pid, seq, g.inSA("203.0.113.7"), g.inSA("192.0.2.1")),
			},
			{
				// route(8)'s KAME form: the scope in bytes 2 and 3.
				"peer exclusion via an IPv6 link-local gateway",
				routeSpec{Dst: pfx("2001:db8:9::7/128"), Dev: "en0", Index: 4, Gateway: ip("fe80::1%en0"), Exclusion: true},
				g.rtmsg(rtmAdd, 0x807, 0x3, pid, seq, g.in6SA("2001:db8:9::7"), g.in6SA("fe80:4::1")),
			},
			{
				"on-link peer exclusion",
				routeSpec{Dst: pfx("192.0.2.9/32"), Dev: "en0", Index: 4, Exclusion: true},
				g.rtmsg(rtmAdd, 0x805, 0x3, pid, seq, g.inSA("192.0.2.9"), g.dlSA(4, "en0")),
			},
		}
		for _, c := range cases {
			sameBytes(t, c.name, l.routeMessage(rtmAdd, c.r, pid, seq), c.want)
			del := bytes.Clone(c.want)
			del[3] = rtmDelete
			sameBytes(t, c.name+" (delete)", l.routeMessage(rtmDelete, c.r, pid, seq), del)
		}
		sameBytes(t, "route get", l.getMessage(ip("203.0.113.7"), pid, seq),
			g.rtmsg(rtmGet, 0x5, 0x11, pid, seq, g.inSA("203.0.113.7"), g.dlSA(0, "")))
		sameBytes(t, "route get IPv6", l.getMessage(ip("2001:db8:9::7"), pid, seq),
			g.rtmsg(rtmGet, 0x5, 0x11, pid, seq, g.in6SA("2001:db8:9::7"), g.dlSA(0, "")))
	})
}

func TestParseGetReply(t *testing.T) {
	eachOS(t, func(t *testing.T, g goldenOS, l Layout) {
		// A default route's netmask comes back empty: a zero sa_len that
		// still takes one alignment unit.
		emptyMask := make([]byte, g.align)
		v4 := g.rtmsg(rtmGet, 0x1|0x2|0x40|0x800, 0x37, 99, 3,
			g.inSA("0.0.0.0"), g.inSA("192.0.2.1"), emptyMask, g.dlSA(4, "en0"), g.inSA("192.0.2.10"))
		v6 := g.rtmsg(rtmGet, 0x1|0x2|0x40, 0x37, 99, 4,
			g.in6SA("::"), g.in6SA("fe80:4::1"), emptyMask, g.dlSA(4, "en0"), g.in6SA("2001:db8:1::10"))
		onlink := g.rtmsg(rtmGet, 0x1|0x40, 0x37, 99, 5,
			g.inSA("192.0.2.0"), g.dlSA(4, "en0"), g.inSA("255.255.255.0"), g.dlSA(4, "en0"), g.inSA("192.0.2.10"))
		cases := []struct {
			name string
			msg  []byte
			want hop
		}{
			{"IPv4 via gateway", v4, hop{Dev: "en0", Index: 4, Gateway: ip("192.0.2.1"), Source: ip("192.0.2.10")}},
			{"IPv6 via link-local gateway", v6, hop{Dev: "en0", Index: 4, Gateway: ip("fe80::1%en0"), Source: ip("2001:db8:1::10")}},
			{"on-link", onlink, hop{Dev: "en0", Index: 4, Source: ip("192.0.2.10")}},
		}
		for _, c := range cases {
			m, err := l.parseRouteMsg(c.msg)
			if err != nil {
				t.Fatalf("%s: %v", c.name, err)
			}
			if m.pid != 99 || m.typ != rtmGet {
				t.Errorf("%s: header pid %d type %d", c.name, m.pid, m.typ)
			}
			h, err := l.parseGetReply(m)
			if err != nil || h != c.want {
				t.Errorf("%s: got %+v, %v; want %+v", c.name, h, err, c.want)
			}
		}
		failed := g.rtmsg(rtmGet, 0x1, 0x1, 99, 6, g.inSA("198.51.100.1"))
		failed[24] = byte(syscall.ESRCH)
		m, err := l.parseRouteMsg(failed)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := l.parseGetReply(m); !errors.Is(err, syscall.ESRCH) {
			t.Errorf("reply with rtm_errno: %v", err)
		}
		if _, err := l.parseRouteMsg(v4[:len(v4)-8]); err == nil {
			t.Error("message shorter than its rtm_msglen accepted")
		}
	})
}

func TestParseNewAddr(t *testing.T) {
	eachOS(t, func(t *testing.T, g goldenOS, l Layout) {
		for _, c := range []struct{ addr, mask string }{
			{"10.3.0.1", "255.255.255.255"},
			{"2001:db8:3::1", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"},
		} {
			idx, a, err := l.parseAddrMsg(g.newaddr(g.ifindex, c.addr, c.mask))
			if err != nil || idx != g.ifindex || a != ip(c.addr) {
				t.Errorf("RTM_NEWADDR %s: index %d addr %s err %v", c.addr, idx, a, err)
			}
		}
		if _, _, err := l.parseAddrMsg(g.rtmsg(rtmAdd, 1, 0, 0, 0)); err == nil {
			t.Error("RTM_ADD taken for RTM_NEWADDR")
		}
	})
}

func TestAddressRequests(t *testing.T) {
	life := in6Addrlifetime{Vltime: 0xffffffff, Pltime: 0xffffffff}
	name := func(s string) (n [16]byte) { copy(n[:], s); return n }
	cases := []struct {
		name string
		l    Layout
		dev  string
		vip  netip.Prefix
		cmd  uint
		want []byte
	}{
		{
			"darwin IPv4, point-to-point to itself", Darwin, "utun5", pfx("10.3.0.1/32"), 0x8040691a,
			structBytes(darwinIfAliasreq{Name: name("utun5"), Addr: sin("10.3.0.1"), Broadaddr: sin("10.3.0.1"), Mask: sin("255.255.255.255")}),
		},
		{
			"darwin IPv6", Darwin, "utun6", pfx("2001:db8:3::1/128"), 0x8080691a,
			structBytes(darwinIn6Aliasreq{
				Name: name("utun6"), Addr: goldenDarwin.sin6("2001:db8:3::1", 0),
				Prefixmask: goldenDarwin.sin6("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", 0),
				Flags:      0x20, Lifetime: life,
			}),
		},
		{
			"freebsd IPv4 /24 with broadcast", FreeBSD, "tun2", pfx("10.3.0.1/24"), 0x8044692b,
			structBytes(freebsdIfAliasreq{Name: name("tun2"), Addr: sin("10.3.0.1"), Broadaddr: sin("10.3.0.255"), Mask: sin("255.255.255.0")}),
		},
		{
			"freebsd IPv4 /32", FreeBSD, "tun2", pfx("10.3.0.1/32"), 0x8044692b,
			structBytes(freebsdIfAliasreq{Name: name("tun2"), Addr: sin("10.3.0.1"), Broadaddr: sin("10.3.0.1"), Mask: sin("255.255.255.255")}),
		},
		{
			"freebsd IPv6 /64", FreeBSD, "tun3", pfx("2001:db8:3::1/64"), 0x8088691b,
			structBytes(freebsdIn6Aliasreq{
				Name: name("tun3"), Addr: goldenFreeBSD.sin6("2001:db8:3::1", 0),
				Prefixmask: goldenFreeBSD.sin6("ffff:ffff:ffff:ffff::", 0),
				Flags:      0x20, Lifetime: life,
			}),
		},
	}
	for _, c := range cases {
		req := c.l.addressRequest(c.dev, c.vip)
		if req.cmd != c.cmd || req.inet6 != c.vip.Addr().Is6() {
			t.Errorf("%s: command %#x inet6 %v", c.name, req.cmd, req.inet6)
		}
		sameBytes(t, c.name, req.data, c.want)
	}
	mtu := mtuRequest("utun5", 1400)
	want := make([]byte, 32)
	copy(want, "utun5")
	want[16], want[17] = 0x78, 0x05
	sameBytes(t, "SIOCSIFMTU", mtu.data, want)
}

// Marshalled messages parse back to what was asked for, for every route
// shape the package writes.
func TestRouteRoundTrip(t *testing.T) {
	eachOS(t, func(t *testing.T, g goldenOS, l Layout) {
		r := routeSpec{Dst: pfx("2001:db8:9::7/128"), Dev: "en0", Index: 4, Gateway: ip("fe80::1%en0")}
		m, err := l.parseRouteMsg(l.routeMessage(rtmAdd, r, 1, 2))
		if err != nil {
			t.Fatal(err)
		}
		if m.addrs[0].ip != r.Dst.Addr() || m.addrs[1].ip != ip("fe80::1") || m.addrs[1].scope != 4 {
			t.Errorf("parsed %+v", m.addrs)
		}
	})
}
